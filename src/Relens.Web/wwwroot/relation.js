// Relation page: per-layer chart, and one layer's test subjects and causality edits.
import { api, el, fmt, fmtP, header, query, showError, visibleToken } from '/app.js';
import { layerChart } from '/chart.js';

const name = query('name');
const layerSelect = document.getElementById('layer');

const tok = t => el('span', { class: 'tok' }, visibleToken(t ?? ''));
const mark = ok => el('span', { class: ok ? 'hit' : 'miss' }, ok ? '✓' : '✗');

function renderSamples(detail) {
  const body = document.querySelector('#samples tbody');
  body.replaceChildren(...detail.samples.map(s => el('tr', { dataset: { subject: s.subject } },
    el('td', {}, s.trial), el('td', {}, s.subject), el('td', {}, s.object), el('td', {}, s.lm ? tok(s.lm) : el('span', { class: 'muted', title: 'not recorded by this run' }, '—')),
    el('td', { class: 'lre' }, s.lre.map((t, i) => el('span', {}, tok(t), ` ${fmtP(s.p[i])} `))),
    el('td', {}, mark(s.hit)))));
  if (detail.samples.length === 0) body.append(el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'no test subject was known to the LM at this layer')));
  const edits = document.querySelector('#edits tbody');
  edits.replaceChildren(...detail.edits.map(e => el('tr', {},
    el('td', {}, e.trial), el('td', {}, `${e.subject} (${e.object})`), el('td', {}, e.target_subject), el('td', {}, e.target_object),
    el('td', {}, tok(e.result)), el('td', {}, mark(e.success)))));
  if (detail.edits.length === 0) edits.append(el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'no edits at this layer')));
}

async function load(layer) {
  const detail = await api(`/api/relations/${encodeURIComponent(name)}` + (layer ? `?layer=${encodeURIComponent(layer)}` : ''));
  renderSamples(detail);
  return detail;
}

await header('relations');
try {
  if (!name) throw new Error('no relation named in the address (?name=...)');
  const detail = await load(null);
  const s = detail.summary;
  document.title = `Relens · ${s.relation}`;
  document.getElementById('title').textContent = `${s.relation} (${s.category})`;
  const stat = (label, value) => el('div', {}, el('b', {}, value), label);
  document.getElementById('stats').append(
    stat('faithfulness', fmt(s.faithfulness)), stat('causality', fmt(s.causality)), stat('chance', fmt(s.chance)),
    stat('majority', fmt(s.majority)), stat('causality-best layer', s.causality_best_layer ?? '—'),
    stat('faithfulness-best layer', s.faithfulness_best_layer ?? '—'), stat('best rank', fmt(s.best_rank, 0)),
    stat('valid trials', s.valid_trials), stat('mean known / test', `${fmt(s.mean_known, 1)} / ${fmt(s.mean_test, 1)}`));
  if (s.note) document.getElementById('stats').append(el('div', { class: 'muted' }, s.note));
  if (s.layers.length) document.getElementById('chart').append(layerChart(s.layers, s.chance, s.causality_best_layer));
  for (const l of detail.available_layers) layerSelect.append(el('option', { value: l }, l));
  layerSelect.value = detail.layer ?? '';
  layerSelect.addEventListener('change', () => load(layerSelect.value).catch(e => showError(e.message)));
  if (detail.lre) {
    const link = document.getElementById('lens-link');
    link.href = `/lens.html?lre=${encodeURIComponent(detail.lre)}`;
    link.hidden = false;
  }
  document.body.dataset.loaded = 'true';
} catch (e) { showError(e.message); }
