// Lens page: POST /api/lens and draw the layers × tokens heat map.
import { api, el, fmtP, header, query, showError, visibleToken } from '/app.js';

const form = document.getElementById('lens-form');
const promptBox = document.getElementById('prompt');
const lreSelect = document.getElementById('lre');
const topInput = document.getElementById('top');
const heatmap = document.getElementById('heatmap');
const tooltip = document.getElementById('tooltip');

// white → blue with probability; dark cells get white text
const colour = p => `hsl(217, 90%, ${Math.round(97 - 52 * Math.max(0, Math.min(1, p)))}%)`;

function render(response) {
  const r = response.result;
  document.getElementById('result-info').textContent =
    `${r.tokens.length} tokens × ${r.layers.length} layers · operator: ${response.lre}`;
  const head = el('tr', {}, el('th', {}, 'layer'), r.tokens.map((t, c) => el('th', { dataset: { col: c } }, visibleToken(t))));
  const rows = r.cells.map((row, i) => el('tr', {}, el('th', {}, r.layers[i]), row.map((cell, c) =>
    el('td', {
      class: 'cell',
      dataset: { row: i, col: c, layer: r.layers[i], p: cell.probabilities[0] },
      style: `background:${colour(cell.probabilities[0])};color:${cell.probabilities[0] > 0.55 ? 'white' : 'inherit'}`,
      title: cell.tokens.map((t, k) => `${JSON.stringify(t)} ${fmtP(cell.probabilities[k])}`).join('\n'),
    }, visibleToken(cell.tokens[0])))));
  heatmap.replaceChildren(el('thead', {}, head), el('tbody', {}, rows));
  heatmap.dataset.cells = JSON.stringify(r.cells.map(row => row.map(c => ({ tokens: c.tokens, p: c.probabilities }))));
}

// The hover box lists the cell's top tokens (the title attribute has the same, for keyboard and screen readers).
heatmap.addEventListener('mouseover', e => {
  const td = e.target.closest('td.cell');
  if (!td) return;
  const cells = JSON.parse(heatmap.dataset.cells);
  const cell = cells[td.dataset.row][td.dataset.col];
  tooltip.replaceChildren(el('div', {}, `layer ${td.dataset.layer}, token ${Number(td.dataset.col) + 1}`),
    el('table', {}, cell.tokens.map((t, k) => el('tr', {}, el('td', { class: 'tok' }, visibleToken(t)), el('td', {}, fmtP(cell.p[k]))))));
  tooltip.style.display = 'block';
  const box = td.getBoundingClientRect();
  tooltip.style.left = `${Math.min(box.right + 6, window.innerWidth - 220)}px`;
  tooltip.style.top = `${box.top}px`;
});
heatmap.addEventListener('mouseleave', () => { tooltip.style.display = 'none'; });

form.addEventListener('submit', async e => {
  e.preventDefault();
  showError('');
  const button = document.getElementById('run');
  button.disabled = true;
  heatmap.dataset.state = 'running';
  try {
    render(await api('/api/lens', { prompt: promptBox.value, lre: lreSelect.value, top: Number(topInput.value) }));
    heatmap.dataset.state = 'done';
  } catch (err) {
    showError(err.message);
    heatmap.dataset.state = 'error';
  } finally { button.disabled = false; }
});

const run = await header('lens');
if (run) topInput.max = run.limits.max_top;
if (run && !run.model.loaded) showError(run.model.problem);
try {
  const { lres } = await api('/api/lres');
  for (const l of lres)
    lreSelect.append(el('option', { value: l.name, disabled: l.usable ? null : '', title: l.problem ?? '' },
      `${l.relation || l.name} · layer ${l.layer} · β ${l.beta}` + (l.usable ? '' : ' (unusable)')));
} catch (err) { showError(err.message); }
if (query('lre')) lreSelect.value = query('lre');
if (query('prompt')) promptBox.value = query('prompt');
form.dataset.ready = 'true';
