// An inline SVG line chart of faithfulness and causality by layer (no charting library).
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * layers: [{layer, faithfulness, causality}], chance: number, best: layer name to mark.
 * Layers are categorical ("emb", "0", ...), evenly spaced; y runs 0..1.
 */
export function layerChart(layers, chance, best) {
  const W = 640, H = 240, left = 36, right = 12, top = 10, bottom = 30;
  const root = svg('svg', { class: 'chart', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'faithfulness and causality by layer' });
  const x = i => left + (layers.length === 1 ? (W - left - right) / 2 : i * (W - left - right) / (layers.length - 1));
  const y = v => top + (1 - v) * (H - top - bottom);
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    root.append(svg('line', { class: 'axis', x1: left, x2: W - right, y1: y(v), y2: y(v), 'stroke-opacity': v === 0 ? 1 : 0.25 }));
    root.append(svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, v.toFixed(2)));
  }
  const step = Math.max(1, Math.ceil(layers.length / 16));   // at most ~16 labels
  layers.forEach((l, i) => {
    if (i % step === 0 || l.layer === best) root.append(svg('text', { x: x(i), y: H - bottom + 16, 'text-anchor': 'middle' }, l.layer));
    if (l.layer === best) root.append(svg('line', { class: 'best', x1: x(i), x2: x(i), y1: top, y2: H - bottom }));
  });
  if (typeof chance === 'number') root.append(svg('line', { class: 'chance', x1: left, x2: W - right, y1: y(chance), y2: y(chance) }));
  for (const [key, cls] of [['faithfulness', 'f'], ['causality', 'c']]) {
    root.append(svg('polyline', { class: cls, points: layers.map((l, i) => `${x(i)},${y(l[key])}`).join(' ') }));
    layers.forEach((l, i) => {
      const dot = svg('circle', { cx: x(i), cy: y(l[key]), r: 3, class: cls, fill: 'white', 'data-layer': l.layer });
      dot.append(svg('title', {}, `layer ${l.layer}: ${key} ${l[key].toFixed(3)}`));
      root.append(dot);
    });
  }
  return root;
}
