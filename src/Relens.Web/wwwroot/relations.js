// Relations page: the summary table, sortable by any column and filterable by category.
import { api, el, fmt, header, showError } from '/app.js';

const table = document.getElementById('relations');
const categorySelect = document.getElementById('category');
let rows = [];
let sort = { key: null, descending: false };

function bar(value, chance, kind) {
  return el('span', { class: 'bar' },
    el('span', { class: 'fill ' + kind, style: `width:${Math.max(0, Math.min(1, value)) * 100}%` }),
    chance === undefined ? null : el('span', { class: 'chance', style: `left:${Math.min(1, chance) * 100}%`, title: `chance ${fmt(chance)}` }));
}

// "emb" sorts before block 0; missing layers last.
const layerOrder = l => (l === null || l === undefined ? Infinity : l === 'emb' ? -1 : Number(l));

function compare(a, b, key, type) {
  let x = a[key], y = b[key];
  if (type === 'layer') { x = layerOrder(x); y = layerOrder(y); }
  if (type === 'text') return String(x ?? '').localeCompare(String(y ?? ''));
  return (x ?? -Infinity) - (y ?? -Infinity);
}

function render() {
  const body = table.tBodies[0];
  body.replaceChildren();
  const category = categorySelect.value;
  let shown = rows.filter(r => !category || r.category === category);
  if (sort.key) {
    const type = table.querySelector(`th[data-key="${sort.key}"]`).dataset.type;
    shown = [...shown].sort((a, b) => (sort.descending ? -1 : 1) * compare(a, b, sort.key, type));
  }
  for (const r of shown) {
    const link = `/relation.html?name=${encodeURIComponent(r.relation)}`;
    body.append(el('tr', { dataset: { relation: r.relation, category: r.category } },
      el('td', { dataset: { key: 'relation' } }, el('a', { href: link }, r.relation), r.note ? el('div', { class: 'muted' }, r.note) : null),
      el('td', { dataset: { key: 'category' } }, r.category),
      el('td', { class: 'num', dataset: { key: 'faithfulness', value: r.faithfulness } }, bar(r.faithfulness, r.chance, 'f'), fmt(r.faithfulness)),
      el('td', { class: 'num', dataset: { key: 'causality', value: r.causality } }, bar(r.causality, undefined, 'c'), fmt(r.causality)),
      el('td', { class: 'num', dataset: { key: 'chance', value: r.chance } }, fmt(r.chance)),
      el('td', { dataset: { key: 'causality_best_layer' } }, r.causality_best_layer ?? '—'),
      el('td', { class: 'num', dataset: { key: 'mean_known', value: r.mean_known } }, fmt(r.mean_known, 1)),
      el('td', { class: 'num', dataset: { key: 'samples', value: r.samples } }, r.samples),
      el('td', { dataset: { key: 'lre' } }, r.lre ? el('a', { href: `/lens.html?lre=${encodeURIComponent(r.lre)}` }, 'lens') : '—')));
  }
  for (const th of table.tHead.rows[0].cells)
    th.setAttribute('aria-sort', th.dataset.key === sort.key ? (sort.descending ? 'descending' : 'ascending') : 'none');
}

table.tHead.addEventListener('click', e => {
  const th = e.target.closest('th');
  if (!th) return;
  // a first click sorts numbers best-first and text A→Z; a second click reverses
  if (sort.key === th.dataset.key) sort.descending = !sort.descending;
  else sort = { key: th.dataset.key, descending: th.dataset.type === 'num' };
  render();
});
categorySelect.addEventListener('change', render);

await header('relations');
try {
  const data = await api('/api/relations');
  rows = data.relations;
  for (const c of [...new Set(rows.map(r => r.category))].sort()) categorySelect.append(el('option', { value: c }, c));
  const headline = document.getElementById('headline');
  for (const c of data.categories)
    headline.append(el('div', {}, el('b', {}, `${fmt(c.faithfulness)} / ${fmt(c.causality)}`), `${c.category} (${c.relations}): F / C`));
  render();
  table.dataset.loaded = 'true';
} catch (e) { showError(e.message); }
