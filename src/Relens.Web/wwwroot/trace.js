// Trace page: POST /api/trace and draw the tokens × layers map (knockout: two rows × layers).
import { api, el, fmtP, header, query, showError, visibleToken } from '/app.js';

const form = document.getElementById('trace-form');
const map = document.getElementById('tracemap');
const field = id => document.getElementById(id);

// ROME's colours: purple state, green MLP, red attention, white at the corrupted probability; knockout diverges at 0
const hue = { state: 270, mlp: 145, attn: 0 };
function colour(kind, v, lo, hi) {
  if (kind === 'knockout') {
    const t = Math.max(-1, Math.min(1, v));
    return t < 0 ? `hsl(212, 70%, ${Math.round(100 - 55 * -t)}%)` : `hsl(352, 70%, ${Math.round(100 - 55 * t)}%)`;
  }
  const u = hi > lo ? Math.max(0, Math.min(1, (v - lo) / (hi - lo))) : 0;
  return `hsl(${hue[kind]}, 60%, ${Math.round(100 - 62 * u)}%)`;
}

function render(r) {
  const kind = r.kind;
  let labels, values, marked, lo = 0, hi = 1;
  if (kind === 'knockout') {
    labels = [`window of ${r.knockout.window_size} around layer`, 'from layer on'];
    values = [r.knockout.window_change, r.knockout.from_layer_change];
    marked = [false, false];
  } else {
    labels = r.tokens;
    values = r[kind].scores;
    marked = r.tokens.map((_, i) => i >= r.subject_tokens[0] && i <= r.subject_tokens[1]);
    lo = Math.min(r[kind].corrupted, r.clean);
    hi = r.clean;
  }
  const layers = values[0].length;
  const known = r.known === true ? 'known fact' : r.known === false ? 'the model does NOT know this fact (its answer is not a prefix of the object)' : 'no object given: not checked';
  field('result-info').textContent = `answer ${JSON.stringify(r.answer)}: clean p = ${fmtP(r.clean)}` +
    (kind === 'knockout' ? '' : `, corrupted p = ${fmtP(r[kind].corrupted)}, window ${r[kind].window}`) +
    ` · σ = ${r.settings.sigma.toPrecision(3)}, ${r.settings.samples} samples · ${known}`;
  const head = el('tr', {}, el('th', {}, kind === 'knockout' ? '' : 'token'),
    Array.from({ length: layers }, (_, l) => el('th', { dataset: { layer: l } }, String(l))));
  const rows = values.map((row, i) => el('tr', {}, el('th', { class: marked[i] ? 'subject' : '' }, visibleToken(labels[i]) + (marked[i] ? '*' : '')),
    row.map((v, l) => el('td', {
      class: 'cell',
      dataset: { row: i, layer: l, value: v },
      style: `background:${colour(kind, v, lo, hi)}`,
      title: `${labels[i]}, layer ${l}: ${kind === 'knockout' ? (100 * v).toFixed(1) + ' %' : fmtP(v)}`,
    }, kind === 'knockout' ? `${(100 * v).toFixed(0)}%` : fmtP(v)))));
  map.replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
}

form.addEventListener('submit', async e => {
  e.preventDefault();
  showError('');
  field('run').disabled = true;
  map.dataset.state = 'running';
  try {
    const body = { prompt: field('prompt').value, subject: field('subject').value, kind: field('kind').value, samples: Number(field('samples').value) };
    if (field('object').value.trim()) body.object = field('object').value;
    if (field('window').value) body.window = Number(field('window').value);
    render(await api('/api/trace', body));
    map.dataset.state = 'done';
  } catch (err) {
    showError(err.message);
    map.dataset.state = 'error';
  } finally { field('run').disabled = false; }
});

const run = await header('trace');
if (run && !run.model.loaded) showError(run.model.problem);
for (const name of ['prompt', 'subject', 'object', 'kind']) if (query(name)) field(name).value = query(name);
form.dataset.ready = 'true';
