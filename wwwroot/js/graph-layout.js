// Where each node of an attribution graph goes. The full graph follows circuit-tracer's link graph
// (init-cg-link-graph.js): one column per token position, as wide as its fullest (position, layer) cell, one row per
// layer from embeddings at the bottom to logits at the top, and the nodes of a cell side by side, the most probable
// logit first from the right. The pinned subgraph keeps positions and layers but only the rows and columns it uses,
// and draws each supernode as one labelled box around its members.
import { nodeTitle, rowName } from './graph-format.js';

const MARGIN = { left: 42, right: 12, top: 12, bottom: 46 };
const MIN_COLUMN = 40;
const MAX_NODE_SPACING = 18;

function clamp(x, lo, hi) { return Math.min(hi, Math.max(lo, x)); }

function truncate(text, width) {
  const chars = Math.max(2, Math.floor(width / 6.5));
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

/** Spreads `extra` pixels over columns in proportion to their weights. */
function widen(widths, weights, extra) {
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  return widths.map((w, i) => w + (extra > 0 ? (extra * weights[i]) / total : 0));
}

function byLogitThenFile(a, b) {
  const pa = Number.isNaN(a.logitPct) ? -Infinity : a.logitPct;
  const pb = Number.isNaN(b.logitPct) ? -Infinity : b.logitPct;
  return pb - pa || a.i - b.i;
}

function columnsFrom(ctxs, widths, tokens, height) {
  let x = MARGIN.left;
  return ctxs.map((ctx, i) => {
    const column = { ctx, x, w: widths[i], label: truncate(tokens[ctx] ?? String(ctx), widths[i]), title: tokens[ctx] ?? '', y: height };
    x += widths[i];
    return column;
  });
}

/** The whole graph: every node, every link a candidate (the threshold picks among them). */
export function fullLayout(graph, width) {
  const { nodes, maxLayer, tokens } = graph;
  const rowCount = maxLayer + 3;
  const rowHeight = clamp(Math.floor(600 / rowCount), 16, 30);
  const minCtx = Math.min(...nodes.map((n) => n.ctx));
  const maxCtx = Math.max(...nodes.map((n) => n.ctx));
  const ctxs = [];
  for (let c = minCtx; c <= maxCtx; c++) ctxs.push(c);

  const cells = new Map();
  for (const n of nodes) {
    const key = `${n.ctx}:${n.row}`;
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key).push(n);
  }
  const fullest = ctxs.map(() => 1);
  for (const cell of cells.values()) {
    const c = cell[0].ctx - minCtx;
    fullest[c] = Math.max(fullest[c], cell.length);
  }
  const inner = Math.max(width - MARGIN.left - MARGIN.right, MIN_COLUMN * ctxs.length);
  const widths = widen(ctxs.map(() => MIN_COLUMN), fullest, inner - MIN_COLUMN * ctxs.length);
  const plotHeight = rowCount * rowHeight;
  const columns = columnsFrom(ctxs, widths, tokens, MARGIN.top + plotHeight);

  const items = [];
  for (const cell of cells.values()) {
    const column = columns[cell[0].ctx - minCtx];
    const spacing = Math.min(MAX_NODE_SPACING, (column.w - 8) / cell.length);
    const y = MARGIN.top + (rowCount - 1 - cell[0].row) * rowHeight + rowHeight / 2;
    const right = column.x + column.w / 2 + ((cell.length - 1) * spacing) / 2;
    cell.sort(byLogitThenFile).forEach((node, i) => items.push({ node, x: right - i * spacing, y }));
  }
  const rows = [];
  for (let r = 0; r < rowCount; r++) {
    rows.push({ row: r, y: MARGIN.top + (rowCount - 1 - r) * rowHeight, h: rowHeight, label: rowName(r, maxLayer) });
  }
  return {
    kind: 'full', items, rows, columns, groups: [], links: graph.links,
    width: MARGIN.left + inner + MARGIN.right, height: MARGIN.top + plotHeight + MARGIN.bottom,
    plot: { x: MARGIN.left, y: MARGIN.top, w: inner, h: plotHeight },
  };
}

/** The pinned nodes and the supernodes' members, each supernode one box; links only among them. */
export function subgraphLayout(graph, width) {
  const { pinnedIds, supernodes, byId, maxLayer, tokens } = graph;
  const members = new Set(pinnedIds.map((id) => byId.get(id)));
  supernodes.forEach((s) => s.nodes.forEach((n) => members.add(n)));
  const grouped = new Set();
  const units = [];
  for (const s of supernodes) {
    const own = s.nodes.filter((n) => !grouped.has(n));
    own.forEach((n) => grouped.add(n));
    if (own.length > 0) units.push({ label: s.label, nodes: own });
  }
  for (const n of members) if (!grouped.has(n)) units.push({ label: null, nodes: [n] });

  const spacing = 22;
  for (const u of units) {
    u.row = Math.round(u.nodes.reduce((a, n) => a + n.row, 0) / u.nodes.length);
    u.ctx = Math.max(...u.nodes.map((n) => n.ctx));
    u.nodes.sort((a, b) => a.row - b.row || byLogitThenFile(a, b));
    const nodesWidth = u.nodes.length * spacing;
    u.w = u.label ? Math.max(nodesWidth + 16, Math.min(220, u.label.length * 6.4 + 16)) : 110;
  }
  const usedRows = [...new Set(units.map((u) => u.row))].sort((a, b) => a - b);
  const ctxs = [...new Set(units.map((u) => u.ctx))].sort((a, b) => a - b);
  const gap = 12;
  const cells = new Map();
  for (const u of units) {
    const key = `${u.ctx}:${u.row}`;
    if (!cells.has(key)) cells.set(key, []);
    cells.get(key).push(u);
  }
  const cellWidth = (cell) => cell.reduce((a, u) => a + u.w, 0) + gap * (cell.length + 1);
  const needed = ctxs.map((ctx) => Math.max(MIN_COLUMN + 20, ...usedRows.map((r) => (cells.has(`${ctx}:${r}`) ? cellWidth(cells.get(`${ctx}:${r}`)) : 0))));
  const minInner = needed.reduce((a, b) => a + b, 0);
  const inner = Math.max(width - MARGIN.left - MARGIN.right, minInner);
  const widths = widen(needed, needed, inner - minInner);
  const rowHeight = 58;
  const plotHeight = usedRows.length * rowHeight;
  const columns = columnsFrom(ctxs, widths, tokens, MARGIN.top + plotHeight);
  const rowY = (r) => MARGIN.top + (usedRows.length - 1 - usedRows.indexOf(r)) * rowHeight;

  const items = [];
  const groups = [];
  for (const cell of cells.values()) {
    const column = columns[ctxs.indexOf(cell[0].ctx)];
    let x = column.x + (column.w - cellWidth(cell)) / 2 + gap;
    const top = rowY(cell[0].row);
    const y = top + rowHeight / 2 + (cell[0].label ? 6 : 0);
    for (const u of cell) {
      const first = x + u.w / 2 - ((u.nodes.length - 1) * spacing) / 2;
      u.nodes.forEach((node, i) => items.push({ node, x: first + i * spacing, y, caption: u.label ? null : truncate(nodeTitle(node), 110) }));
      if (u.label) groups.push({ label: u.label, x, y: top + 6, w: u.w, h: rowHeight - 12, nodes: u.nodes });
      x += u.w + gap;
    }
  }
  const links = [];
  for (const n of members) for (const l of n.outLinks) if (members.has(l.target)) links.push(l);
  links.sort((a, b) => a.abs - b.abs);
  const rows = usedRows.map((r) => ({ row: r, y: rowY(r), h: rowHeight, label: rowName(r, maxLayer) }));
  return {
    kind: 'subgraph', items, rows, columns, groups, links,
    width: MARGIN.left + inner + MARGIN.right, height: MARGIN.top + plotHeight + MARGIN.bottom,
    plot: { x: MARGIN.left, y: MARGIN.top, w: inner, h: plotHeight },
  };
}
