// The node panel beside the graph drawing: what the file says about one node, its feature id decoded, and its
// strongest incoming and outgoing links (whatever the threshold), each a button that moves to the linked node.
import { featureHref, nodeTitle } from './graph-format.js';

const TOP_LINKS = 8;

function html(name, attributes = {}, text = null) {
  const el = document.createElement(name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  if (text !== null) el.textContent = text;
  return el;
}

function number(x) {
  if (x === null || x === undefined || x === '') return '—';
  const v = Number(x);
  if (!Number.isFinite(v)) return String(x);
  return v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5) ? String(Number(v.toFixed(4))) : v.toExponential(3);
}

const KIND_NAMES = { feature: 'Feature', error: 'Error node', embedding: 'Embedding', logit: 'Logit' };

function linkList(title, links, otherEnd, weightText) {
  const section = html('section', { class: 'graph-panel-links' });
  if (links.length === 0) return section;
  section.append(html('h4', {}, `${title} (${Math.min(TOP_LINKS, links.length)} of ${links.length})`));
  const list = html('ol');
  for (const l of [...links].sort((a, b) => b.abs - a.abs).slice(0, TOP_LINKS)) {
    const other = otherEnd(l);
    const item = html('li');
    const button = html('button', { type: 'button', class: 'graph-link-node', 'data-node-id': other.id }, nodeTitle(other));
    item.append(button, ' ', html('span', { class: `graph-weight ${l.weight >= 0 ? 'is-positive' : 'is-negative'}` },
      `${l.weight >= 0 ? '+' : '−'}${weightText(Math.abs(l.weight))}`));
    list.append(item);
  }
  section.append(list);
  return section;
}

export function renderPanel(panel, node, { graph, pinned, selected, weightText, dictionaries }) {
  if (!node) {
    panel.replaceChildren(html('p', { class: 'muted small' },
      'Hover, focus or click a node to see its label, layer, position, activation, influence and strongest links here.'));
    return;
  }
  const notes = [KIND_NAMES[node.kind] ?? node.type];
  if (node.isTarget) notes.push('target logit');
  if (pinned.has(node)) notes.push('pinned');
  if (node === selected) notes.push('selected');
  const head = html('p', { class: 'graph-panel-kind' }, notes.join(' · '));
  const title = html('h3', { class: 'graph-panel-title' }, nodeTitle(node));

  const facts = html('dl', { class: 'kv' });
  const add = (term, value, code = false) => {
    const dd = html('dd');
    if (code) dd.append(html('code', {}, value));
    else dd.textContent = value;
    facts.append(html('dt', {}, term), dd);
  };
  add('node_id', node.id, true);
  add('feature_type', node.type);
  add('layer', node.kind === 'logit' ? `${node.layer} (one above the last layer)` : node.layer);
  add('ctx_idx', `${node.ctx} “${node.token}”`);
  if (node.kind === 'feature' && node.feature !== null && node.feature !== undefined) {
    add('feature', node.featureText ? `${node.feature} = ${node.featureText}` : String(node.feature));
  }
  if (node.activation !== null) add('activation', number(node.activation));
  if (node.influence !== null) add('influence', number(node.influence));
  if (node.kind === 'logit') add('token_prob', number(node.tokenProb));
  const groups = graph.supernodes.filter((s) => s.nodes.includes(node)).map((s) => s.label);
  if (groups.length > 0) add('supernode', groups.join(', '));

  const href = featureHref(node, dictionaries);
  const featurePage = href ? html('p', { class: 'graph-panel-feature' }) : null;
  if (featurePage) featurePage.append(html('a', { href }, 'Feature page in the archive'));

  panel.replaceChildren(head, title, facts, ...(featurePage ? [featurePage] : []),
    linkList('Strongest inputs', node.inLinks, (l) => l.source, weightText),
    linkList('Strongest outputs', node.outLinks, (l) => l.target, weightText));
}
