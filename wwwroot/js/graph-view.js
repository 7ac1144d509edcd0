// The attribution-graph page's drawing (Graphs/GraphView.razor; site.js mounts it from data-module). Links go on a
// <canvas> (tens of thousands of them: one path per sign and strength band, never one element per link); nodes are
// SVG on top, so each is focusable with a label. A range input prunes links by |weight|; hovering or focusing a node
// draws its links by sign on a second canvas and dims the rest; the panel shows the node and its strongest links.
// When the file pins nodes, a toggle shows the pinned subgraph with its supernodes as named boxes.
// data-state on the root goes loading → ready (or error); data-drawn-links and data-highlighted-links count what
// is drawn, for tests and for anyone curious.
import { formatGraph, nodeTitle } from './graph-format.js';
import { fullLayout, subgraphLayout } from './graph-layout.js';
import { renderPanel } from './graph-panel.js';

const SVG = 'http://www.w3.org/2000/svg';
const POSITIVE = '37, 99, 235';
const NEGATIVE = '220, 38, 38';
const BANDS = 6;
const DEFAULT_LINKS = 1200; // a readable first picture; the threshold shows the rest
const HOVER_RADIUS = 14;
let instances = 0;

function svg(name, attributes = {}, parent = null) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

function html(name, attributes = {}, text = null) {
  const el = document.createElement(name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text !== null) el.textContent = text;
  return el;
}

const integer = new Intl.NumberFormat('en-US');
const weightText = (w) => (Math.abs(w) >= 1e-3 && Math.abs(w) < 1e4 ? w.toPrecision(3) : w.toExponential(2));

export async function mount(root) {
  const status = root.querySelector('[data-graph-status]');
  const app = root.querySelector('[data-graph-app]');
  if (!status || !app) return;
  status.textContent = 'Loading the graph…';
  const started = performance.now();
  let graph;
  let loaded;
  try {
    const response = await fetch(root.dataset.src, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`the file answered ${response.status}`);
    const data = await response.json();
    loaded = performance.now();
    graph = formatGraph(data);
    if (graph.nodes.length === 0) throw new Error('it has no nodes');
  } catch (error) {
    status.textContent = `The graph could not be drawn: ${error.message}. The nodes are listed below.`;
    root.dataset.state = 'error';
    return;
  }
  const formatted = performance.now();
  new GraphView(root, app, status, graph).start();
  // Where the time went, for anyone measuring: module start, fetch and parse, formatting, layout and drawing.
  const ms = (x) => Math.round(x);
  root.dataset.timing = `start ${ms(started)} ms, fetch+parse ${ms(loaded - started)} ms, format ${ms(formatted - loaded)} ms, `
    + `layout+draw ${ms(performance.now() - formatted)} ms`;
}

class GraphView {
  constructor(root, app, status, graph) {
    this.root = root;
    this.app = app;
    this.status = status;
    this.graph = graph;
    this.uid = `graph-${++instances}`;
    this.view = 'full';
    this.hovered = null;
    this.focused = null;
    this.selected = null;
    this.scene = null;
    this.elements = new Map(); // node → its SVG <g>
    this.drawnFrom = 0; // links[drawnFrom..] pass the threshold (links are sorted by |weight|)
    this.pruned = new Uint8Array(graph.nodes.length);
    this.pinned = new Set(graph.pinnedIds.map((id) => graph.byId.get(id)));
    this.dictionaries = parseDictionaries(root.dataset.dictionaries);
  }

  start() {
    this.build();
    const n = this.graph.links.length;
    this.threshold.value = String(n > DEFAULT_LINKS ? Math.round((1000 * (n - DEFAULT_LINKS)) / n) : 0);
    this.render();
    this.status.hidden = true;
    this.root.dataset.readyMs = String(Math.round(performance.now()));
    this.root.dataset.state = 'ready';
    let lastWidth = this.stage.clientWidth;
    new ResizeObserver(() => {
      if (Math.abs(this.stage.clientWidth - lastWidth) < 24) return;
      lastWidth = this.stage.clientWidth;
      requestAnimationFrame(() => this.render());
    }).observe(this.stage);
  }

  build() {
    const { graph, uid } = this;
    const toolbar = html('div', { class: 'graph-toolbar' });
    const field = html('div', { class: 'graph-threshold' });
    field.append(html('label', { for: `${uid}-threshold` }, 'Link threshold'));
    this.threshold = html('input', {
      type: 'range', id: `${uid}-threshold`, class: 'graph-threshold-input', min: '0', max: '1000', step: '1',
      'aria-describedby': `${uid}-threshold-value`,
    });
    this.thresholdText = html('output', { id: `${uid}-threshold-value`, for: `${uid}-threshold`, class: 'graph-threshold-value' });
    field.append(this.threshold, this.thresholdText);
    toolbar.append(field);
    let pending = false;
    this.threshold.addEventListener('input', () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; this.applyThreshold(); });
    });

    if (graph.pinnedIds.length > 0 || graph.supernodes.length > 0) {
      const views = html('div', { class: 'graph-views', role: 'group', 'aria-label': 'View' });
      this.viewButtons = [
        html('button', { type: 'button', 'data-view': 'full', 'aria-pressed': 'true' }, 'Full graph'),
        html('button', { type: 'button', 'data-view': 'subgraph', 'aria-pressed': 'false' }, `Pinned subgraph (${this.pinned.size})`),
      ];
      this.viewButtons.forEach((b) => b.addEventListener('click', () => this.setView(b.dataset.view)));
      views.append(...this.viewButtons);
      toolbar.append(views);
    }

    const body = html('div', { class: 'graph-body' });
    this.stage = html('div', { class: 'graph-stage' });
    this.wrap = html('div', { class: 'graph-canvas-wrap' });
    this.linkCanvas = html('canvas', { class: 'graph-links', 'aria-hidden': 'true' });
    this.highlightCanvas = html('canvas', { class: 'graph-highlight', 'aria-hidden': 'true' });
    this.svg = svg('svg', { class: 'graph-svg', role: 'group' });
    this.wrap.append(this.linkCanvas, this.highlightCanvas, this.svg);
    this.stage.append(this.wrap);
    this.panel = html('aside', { class: 'graph-panel', 'aria-live': 'polite', 'aria-label': 'Node details' });
    body.append(this.stage, this.panel);
    const help = html('p', { class: 'graph-help muted small' },
      'Hover or focus a node to see its links (blue excites, red inhibits); click it or press Enter to keep it in the panel. '
      + 'In the graph, arrow keys move between nodes and Escape lets go.');
    this.app.replaceChildren(toolbar, body, help);

    this.wrap.addEventListener('mousemove', (e) => this.hover(this.nearest(e)));
    this.wrap.addEventListener('mouseleave', () => this.hover(null));
    this.wrap.addEventListener('click', (e) => this.select(this.nearest(e)));
    this.svg.addEventListener('focusin', (e) => this.focus(this.nodeOf(e.target)));
    this.svg.addEventListener('focusout', (e) => { if (!this.svg.contains(e.relatedTarget)) this.focus(null); });
    this.svg.addEventListener('keydown', (e) => this.key(e));
    this.panel.addEventListener('click', (e) => {
      const button = e.target instanceof Element ? e.target.closest('button[data-node-id]') : null;
      const node = button && graph.byId.get(button.dataset.nodeId);
      if (!node) return;
      this.select(node);
      this.elements.get(node)?.focus();
    });
    this.renderPanel();
  }

  setView(view) {
    if (view === this.view) return;
    this.view = view;
    this.viewButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.view === view)));
    this.threshold.disabled = view !== 'full';
    this.render();
  }

  render() {
    const width = Math.max(320, this.stage.clientWidth);
    this.scene = this.view === 'full' ? fullLayout(this.graph, width) : subgraphLayout(this.graph, width);
    this.root.dataset.view = this.view;
    const { width: w, height: h } = this.scene;
    this.wrap.style.width = `${w}px`;
    this.wrap.style.height = `${h}px`;
    const dpr = window.devicePixelRatio || 1;
    for (const canvas of [this.linkCanvas, this.highlightCanvas]) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
      canvas.getContext('2d').setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    this.positions = new Map(this.scene.items.map((item) => [item.node, item]));
    this.drawSvg();
    this.applyThreshold();
  }

  drawSvg() {
    const { scene, graph } = this;
    const root = this.svg;
    root.replaceChildren();
    root.setAttribute('width', scene.width);
    root.setAttribute('height', scene.height);
    root.setAttribute('viewBox', `0 0 ${scene.width} ${scene.height}`);
    root.setAttribute('aria-label', scene.kind === 'full'
      ? `Attribution graph ${graph.slug}: ${integer.format(scene.items.length)} nodes by layer and token position`
      : `Pinned subgraph: ${integer.format(scene.items.length)} nodes in ${scene.groups.length} supernodes and single nodes`);

    const axes = svg('g', { class: 'graph-axes', 'aria-hidden': 'true' }, root);
    const { plot } = scene;
    for (const r of scene.rows) {
      if (r.row === 0 || r.label === 'Lgt') svg('rect', { class: 'row-band', x: plot.x, y: r.y, width: plot.w, height: r.h }, axes);
      svg('line', { class: 'row-line', x1: plot.x, x2: plot.x + plot.w, y1: r.y + r.h, y2: r.y + r.h }, axes);
      if (scene.rows.length <= 16 || r.row % 2 === 0 || r.label === 'Lgt') {
        svg('text', { class: 'row-label', x: plot.x - 6, y: r.y + r.h / 2 }, axes).textContent = r.label;
      }
    }
    for (const c of scene.columns) {
      svg('line', { class: 'column-line', x1: c.x, x2: c.x, y1: plot.y, y2: plot.y + plot.h }, axes);
      const label = svg('text', { class: 'column-label', x: c.x + c.w / 2, y: c.y + 16 }, axes);
      label.textContent = c.label;
      svg('title', {}, label).textContent = c.title;
    }

    const groups = svg('g', { class: 'graph-groups' }, root);
    for (const g of scene.groups) {
      const box = svg('g', { class: 'supernode' }, groups);
      svg('rect', { x: g.x, y: g.y, width: g.w, height: g.h, rx: 6 }, box);
      svg('text', { class: 'supernode-label', x: g.x + g.w / 2, y: g.y + 12 }, box).textContent = g.label;
    }

    const nodes = svg('g', { class: 'graph-nodes' }, root);
    this.elements.clear();
    this.pruned.fill(0); // new elements start unfaded
    const start = this.selected && this.positions.has(this.selected) ? this.selected : this.defaultFocus();
    for (const item of scene.items) {
      const { node, x, y } = item;
      const g = svg('g', {
        class: `gnode kind-${node.kind}${this.pinned.has(node) ? ' is-pinned' : ''}${node.isTarget ? ' is-target' : ''}`,
        transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`, 'data-id': node.id, role: 'button',
        tabindex: node === start ? '0' : '-1', 'aria-pressed': String(node === this.selected), 'aria-label': this.label(node),
      }, nodes);
      if (node.kind === 'feature') svg('circle', { class: 'shape', r: 3.6 }, g);
      else if (node.kind === 'error') svg('path', { class: 'shape', d: 'M0,-4.6L4.6,0L0,4.6L-4.6,0Z' }, g);
      else svg('rect', { class: 'shape', x: -3.8, y: -3.8, width: 7.6, height: 7.6 }, g);
      // The subgraph has room to name its loose nodes (a supernode's box carries its own name).
      if (item.caption) {
        svg('text', { class: 'node-caption', y: 15, 'aria-hidden': 'true' }, g).textContent = item.caption;
      }
      this.elements.set(node, g);
    }
    this.rowsInOrder = new Map();
    for (const item of [...scene.items].sort((a, b) => a.x - b.x)) {
      const key = item.y;
      if (!this.rowsInOrder.has(key)) this.rowsInOrder.set(key, []);
      this.rowsInOrder.get(key).push(item);
    }
    this.rowKeys = [...this.rowsInOrder.keys()].sort((a, b) => b - a); // bottom (embeddings) first
  }

  label(node) {
    const where = `${node.kind === 'logit' ? 'logit' : node.kind === 'embedding' ? 'embedding' : `layer ${node.layer}`}, position ${node.ctx} “${node.token}”`;
    return `${nodeTitle(node)} (${node.kind === 'feature' ? node.featureText ?? 'feature' : node.kind}; ${where})`;
  }

  defaultFocus() {
    return this.graph.nodes.find((n) => n.isTarget && this.positions.has(n)) ?? this.scene.items[0]?.node;
  }

  /** The links the threshold lets through, drawn in bands of strength, one path per band and sign. */
  applyThreshold() {
    const { scene } = this;
    const links = scene.links;
    const n = links.length;
    if (scene.kind === 'full') {
      const value = Number(this.threshold.value);
      this.drawnFrom = n === 0 ? 0 : Math.min(n - 1, Math.floor((value / 1000) * n));
      const t = n === 0 ? 0 : links[this.drawnFrom].abs;
      while (this.drawnFrom > 0 && links[this.drawnFrom - 1].abs === t) this.drawnFrom--;
      const kept = n - this.drawnFrom;
      this.thresholdText.textContent = `|weight| ≥ ${weightText(t)}: ${integer.format(kept)} of ${integer.format(n)} links`;
      this.threshold.setAttribute('aria-valuetext', this.thresholdText.textContent);
    } else {
      this.drawnFrom = 0;
      this.thresholdText.textContent = `all ${integer.format(n)} links among the pinned nodes`;
    }
    const ctx = this.linkCanvas.getContext('2d');
    ctx.clearRect(0, 0, scene.width, scene.height);
    const paths = Array.from({ length: 2 * BANDS }, () => new Path2D());
    const used = new Uint8Array(this.graph.nodes.length);
    for (let i = this.drawnFrom; i < n; i++) {
      const l = links[i];
      const a = this.positions.get(l.source);
      const b = this.positions.get(l.target);
      if (!a || !b) continue;
      const band = Math.min(BANDS - 1, Math.floor(l.rank * BANDS));
      const path = paths[(l.weight >= 0 ? 0 : BANDS) + band];
      path.moveTo(a.x, a.y);
      path.lineTo(b.x, b.y);
      used[l.source.i] = 1;
      used[l.target.i] = 1;
    }
    paths.forEach((path, k) => {
      const band = k % BANDS;
      const strength = (band + 1) / BANDS;
      ctx.strokeStyle = `rgba(${k < BANDS ? POSITIVE : NEGATIVE}, ${(0.05 + 0.33 * strength ** 2).toFixed(3)})`;
      ctx.lineWidth = 0.4 + 1.4 * strength ** 2;
      ctx.stroke(path);
    });
    this.root.dataset.drawnLinks = String(n - this.drawnFrom);
    // Nodes left without a drawn link fade, except embeddings and logits, which circuit-tracer always keeps.
    for (const { node } of scene.items) {
      const pruned = used[node.i] || node.kind === 'embedding' || node.kind === 'logit' ? 0 : 1;
      if (pruned !== this.pruned[node.i]) this.elements.get(node)?.classList.toggle('is-pruned', pruned === 1);
      this.pruned[node.i] = pruned;
    }
    this.highlight();
  }

  passes(link) {
    return this.positions.has(link.source) && this.positions.has(link.target)
      && (this.scene.kind !== 'full' || link.abs >= this.scene.links[this.drawnFrom]?.abs);
  }

  /** The node shown: the one under the pointer, else the one focused, else the one selected. */
  current() {
    return this.hovered ?? this.focused ?? this.selected;
  }

  hover(node) {
    if (node === this.hovered) return;
    this.hovered = node;
    this.highlight();
    this.renderPanel();
  }

  focus(node) {
    this.focused = node;
    this.highlight();
    this.renderPanel();
  }

  select(node) {
    const previous = this.selected;
    this.selected = node === previous ? null : node;
    if (previous) this.elements.get(previous)?.setAttribute('aria-pressed', 'false');
    if (this.selected) {
      this.elements.get(this.selected)?.setAttribute('aria-pressed', 'true');
      this.moveTabStop(this.selected);
    }
    this.highlight();
    this.renderPanel();
  }

  highlight() {
    const node = this.current();
    const ctx = this.highlightCanvas.getContext('2d');
    ctx.clearRect(0, 0, this.scene.width, this.scene.height);
    this.svg.querySelectorAll('.is-active, .is-linked').forEach((el) => el.classList.remove('is-active', 'is-linked'));
    const on = Boolean(node && this.positions.has(node));
    this.svg.classList.toggle('is-highlighting', on);
    this.linkCanvas.classList.toggle('is-dimmed', on);
    if (!on) {
      this.root.dataset.highlightedLinks = '0';
      return;
    }
    this.elements.get(node).classList.add('is-active');
    const links = node.inLinks.concat(node.outLinks).filter((l) => this.passes(l));
    const max = links.reduce((m, l) => Math.max(m, l.abs), 0) || 1;
    links.sort((a, b) => a.abs - b.abs);
    for (const l of links) {
      const a = this.positions.get(l.source);
      const b = this.positions.get(l.target);
      ctx.beginPath();
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(b.x, b.y);
      ctx.strokeStyle = `rgba(${l.weight >= 0 ? POSITIVE : NEGATIVE}, ${(0.35 + 0.6 * (l.abs / max)).toFixed(3)})`;
      ctx.lineWidth = 0.8 + 2.6 * (l.abs / max);
      ctx.stroke();
      this.elements.get(l.source === node ? l.target : l.source)?.classList.add('is-linked');
    }
    this.root.dataset.highlightedLinks = String(links.length);
  }

  renderPanel() {
    renderPanel(this.panel, this.current(), {
      graph: this.graph, pinned: this.pinned, selected: this.selected, weightText, dictionaries: this.dictionaries,
    });
  }

  nearest(event) {
    const box = this.wrap.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    let best = null;
    let bestDistance = HOVER_RADIUS * HOVER_RADIUS;
    for (const item of this.scene.items) {
      const d = (item.x - x) ** 2 + (item.y - y) ** 2;
      if (d <= bestDistance) { best = item.node; bestDistance = d; }
    }
    return best;
  }

  nodeOf(target) {
    const g = target instanceof Element ? target.closest('.gnode') : null;
    return g ? this.graph.byId.get(g.dataset.id) : null;
  }

  moveTabStop(node) {
    this.svg.querySelectorAll('.gnode[tabindex="0"]').forEach((el) => el.setAttribute('tabindex', '-1'));
    this.elements.get(node)?.setAttribute('tabindex', '0');
  }

  /** Arrow keys walk the drawing: left and right along a row, up and down to the nearest node a row away. */
  key(event) {
    const node = this.nodeOf(event.target);
    if (!node) return;
    const here = this.positions.get(node);
    const row = this.rowsInOrder.get(here.y);
    const at = row.indexOf(here);
    let next = null;
    switch (event.key) {
      case 'ArrowLeft': next = row[at - 1]; break;
      case 'ArrowRight': next = row[at + 1]; break;
      case 'Home': next = row[0]; break;
      case 'End': next = row[row.length - 1]; break;
      case 'ArrowUp':
      case 'ArrowDown': {
        const r = this.rowKeys.indexOf(here.y) + (event.key === 'ArrowUp' ? 1 : -1);
        const other = this.rowsInOrder.get(this.rowKeys[r]);
        if (other) next = other.reduce((best, item) => (Math.abs(item.x - here.x) < Math.abs(best.x - here.x) ? item : best));
        break;
      }
      case 'Enter':
      case ' ':
        this.select(node);
        event.preventDefault();
        return;
      case 'Escape':
        this.select(null);
        return;
      default:
        return;
    }
    event.preventDefault();
    if (!next) return;
    this.moveTabStop(next.node);
    this.elements.get(next.node).focus();
  }
}

/** The page's data-dictionaries (which archive feature pages nodes may link to); nothing when absent or unreadable. */
function parseDictionaries(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
