// Reads a circuit-tracer / Neuronpedia attribution graph as circuit-tracer's frontend reads it (util-cg.js formatData):
// logits go one row above the highest layer whatever layer the file gives them, embeddings to the bottom row, prompt
// tokens show whitespace as ⏎ → ↵, embedding and error nodes get their token as label, a logit's probability comes
// from its clerp's "(p=…)", and a repeated node_id means the later node (links attach to it). Not copied: the
// deletion of features present at more than 2/3 of positions, which with one prompt token deletes every node.

export function replaceWhitespace(token) {
  return String(token).replaceAll('\n', '⏎').replaceAll('\t', '→').replaceAll('\r', '↵');
}

/** ⌊√n⌋ for a non-negative BigInt (Newton's method): Cantor ids pass 2³¹, and a double's root is off past 2⁵³. */
function isqrt(n) {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/** Inverse Cantor pairing (schema_version ≥ 1): w = ⌊(√(8z+1) − 1)/2⌋, t = (w² + w)/2, index = z − t, layer = w − index. */
export function cantorUnpair(z) {
  const big = BigInt(z);
  const w = (isqrt(8n * big + 1n) - 1n) / 2n;
  const t = (w * w + w) / 2n;
  const index = big - t;
  return { layer: w - index, index };
}

/** "L20 #15920", or null where the id carries no layer (mirrors GraphFeatureIds.Describe on the server). */
export function describeFeature(node, schemaVersion, scan) {
  const f = node.feature;
  if (!Number.isSafeInteger(f) || f < 0 || node.kind !== 'feature') return null;
  if (schemaVersion >= 1) {
    const { layer, index } = cantorUnpair(f);
    return `L${layer} #${index}`;
  }
  // Before Cantor ids, preset scans wrote layer·10^k + index; a "custom-" scan wrote the plain index.
  if (String(scan).startsWith('custom-') || !/^\d+$/.test(node.layer)) return null;
  const layer = Number(node.layer);
  if (layer === 0) return `L0 #${f}`;
  for (let scale = 10; scale <= f; scale *= 10) {
    if (Math.floor(f / scale) === layer) return `L${layer} #${f % scale}`;
  }
  return null;
}

function kindOf(featureType) {
  if (featureType === 'embedding') return 'embedding';
  if (featureType === 'logit') return 'logit';
  if (featureType.includes('error')) return 'error';
  return 'feature';
}

/**
 * The graph ready to lay out: nodes with their row (streamIdx: embeddings 0, layer L at L+1, logits at maxLayer+2),
 * links between node objects sorted by |weight| ascending, and the pinned ids and supernodes from qParams.
 */
export function formatGraph(data) {
  const metadata = data.metadata || {};
  const qParams = data.qParams || {};
  const tokens = (metadata.prompt_tokens || []).map(replaceWhitespace);
  const schemaVersion = Number(metadata.schema_version) || 0;
  const rawNodes = data.nodes || [];

  let maxLayer = -Infinity;
  for (const d of rawNodes) {
    if (d.feature_type !== 'logit' && isFinite(d.layer) && d.layer !== '') maxLayer = Math.max(maxLayer, +d.layer);
  }
  if (!isFinite(maxLayer)) maxLayer = -1;

  const byId = new Map();
  const nodes = rawNodes.map((d, i) => {
    const type = String(d.feature_type ?? '');
    const kind = kindOf(type);
    const ctx = d.ctx_idx | 0;
    const token = tokens[ctx] ?? '';
    let clerp = d.clerp || '';
    if (kind === 'embedding') clerp = `Emb: “${token}"`;
    else if (type === 'mlp reconstruction error' && !clerp) clerp = `Err: mlp “${token}"`;
    const layer = kind === 'logit' ? String(maxLayer + 1) : String(d.layer);
    const row = kind === 'logit' ? maxLayer + 2 : isFinite(d.layer) && d.layer !== '' ? +d.layer + 1 : 0;
    let logitPct = NaN;
    if (kind === 'logit') {
      const m = /\(p=([^)]*)\)/.exec(clerp);
      logitPct = m ? +m[1] : Number(d.token_prob);
    }
    const node = {
      i, id: String(d.node_id), type, kind, layer, row, ctx, token, clerp,
      feature: d.feature, activation: d.activation ?? null, influence: d.influence ?? null,
      tokenProb: d.token_prob ?? null, isTarget: d.is_target_logit === true, logitPct,
      inLinks: [], outLinks: [], featureText: null,
      // A node the archive exported names its dictionary and index within it.
      archiveDictionary: typeof d.archive?.dictionary === 'string' ? d.archive.dictionary : null,
      archiveIndex: Number.isInteger(d.archive?.index) ? d.archive.index : null,
    };
    node.featureText = describeFeature(node, schemaVersion, metadata.scan || '');
    byId.set(node.id, node);
    return node;
  });

  const links = [];
  for (const l of data.links || []) {
    const source = byId.get(String(l.source));
    const target = byId.get(String(l.target));
    const weight = Number(l.weight);
    if (!source || !target || !Number.isFinite(weight)) continue;
    const link = { source, target, weight, abs: Math.abs(weight), rank: 0 };
    source.outLinks.push(link);
    target.inLinks.push(link);
    links.push(link);
  }
  links.sort((a, b) => a.abs - b.abs);
  // A link's strength as a rank fraction: how it is drawn does not change as the threshold moves.
  links.forEach((l, i) => { l.rank = links.length > 1 ? i / (links.length - 1) : 1; });

  let pinned = qParams.pinnedIds || [];
  if (typeof pinned === 'string') pinned = pinned.split(',').filter(Boolean);
  const pinnedIds = pinned.filter((id) => byId.has(id));
  const supernodes = (Array.isArray(qParams.supernodes) ? qParams.supernodes : [])
    .filter((s) => Array.isArray(s) && s.length > 1)
    .map(([label, ...ids]) => ({ label: String(label), nodes: ids.map((id) => byId.get(id)).filter(Boolean) }))
    .filter((s) => s.nodes.length > 0);

  return {
    slug: metadata.slug || '', scan: metadata.scan || '', schemaVersion, tokens, maxLayer,
    nodes, links, byId, pinnedIds, supernodes,
  };
}

/** The label a screen reader hears for a node, and the panel's title. */
export function nodeTitle(node) {
  if (node.clerp) return node.clerp;
  if (node.kind === 'feature') return node.featureText ? `Feature ${node.featureText}` : `Feature ${node.feature}`;
  return node.type;
}

export function rowName(row, maxLayer) {
  if (row === 0) return 'Emb';
  if (row === maxLayer + 2) return 'Lgt';
  return `L${row - 1}`;
}

/**
 * The archive's page for a feature node, or null: by the dictionary an archive export names, else by the node's layer
 * when the graph's model is an archive model with one dictionary at that layer (dictionaries: the page's
 * data-dictionaries, { known: [slug], byLayer: { layer: slug } }).
 */
export function featureHref(node, dictionaries) {
  if (node.kind !== 'feature' || !dictionaries) return null;
  const page = (slug, index) => `/dictionaries/${encodeURIComponent(slug)}/features/${index}`;
  if (node.archiveDictionary && node.archiveIndex !== null && (dictionaries.known || []).includes(node.archiveDictionary)) {
    return page(node.archiveDictionary, node.archiveIndex);
  }
  const slug = (dictionaries.byLayer || {})[node.layer];
  if (!slug) return null;
  const decoded = node.featureText ? /#(\d+)$/.exec(node.featureText) : null;
  const index = decoded ? Number(decoded[1]) : Number(node.feature);
  return Number.isSafeInteger(index) && index >= 0 ? page(slug, index) : null;
}
