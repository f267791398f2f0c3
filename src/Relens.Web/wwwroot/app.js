// Shared helpers of the viewer's pages (ES module; no dependencies).

/** GET/POST JSON; throws Error(message) with the server's {"error": ...} text on failure. */
export async function api(path, body) {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  let data;
  try { data = await response.json(); } catch { data = { error: `${response.status} ${response.statusText}` }; }
  if (!response.ok) throw new Error(data.error || `${response.status} ${response.statusText}`);
  return data;
}

/** el('td', {class: 'num', dataset: {value: 1}}, 'text', childNode, ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
}

export const fmt = (x, digits = 2) => (typeof x === 'number' && isFinite(x) ? x.toFixed(digits) : '—');

/** A probability: three decimals, or two significant digits when that would print 0.000 (untrained models). */
export const fmtP = p => (typeof p !== 'number' || !isFinite(p) ? '—' : p === 0 || p >= 0.001 ? p.toFixed(3) : p.toExponential(1));

/** A token as shown in cells: spaces are kept (cells use white-space: pre); invisible characters get a symbol. */
export const visibleToken = t => (t === '' ? '∅' : t.replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '␍'));

export function showError(message) {
  const box = document.getElementById('error');
  if (box) box.textContent = message || '';
}

/** The page header: navigation plus the run's model. */
export async function header(active) {
  const nav = el('header', {},
    el('span', { class: 'brand' }, 'Relens'),
    el('a', { href: '/', class: active === 'relations' ? 'active' : '' }, 'Relations'),
    el('a', { href: '/lens.html', class: active === 'lens' ? 'active' : '' }, 'Lens'),
    el('a', { href: '/trace.html', class: active === 'trace' ? 'active' : '' }, 'Trace'));
  document.body.prepend(nav);
  try {
    const run = await api('/api/run');
    nav.append(el('span', { class: 'run' },
      `${run.run.model_type} · ${run.run.num_layers} layers · ${run.results_directory}` + (run.model.loaded ? '' : ' · lens unavailable')));
    return run;
  } catch (e) { showError(e.message); return null; }
}

export const query = name => new URLSearchParams(location.search).get(name);
