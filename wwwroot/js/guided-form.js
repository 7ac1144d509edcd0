// The guided submission form (/submissions/guided), mounted by site.js from data-module. The page's markup holds the
// fixed fields; this module keeps them in localStorage as they change (keyed by the specimen's slug), previews the
// writeup through the server's Markdown pipeline, uploads the model with a progress bar, reads circuit files, builds
// each claim's parameter fields from its method's JSON Schema (GET /api/v1/claim-methods: written by the worker's own
// parameter reader) and saves the draft. Every refusal comes back keyed by field name ("title",
// "claims[0].parameters.seq_len") and is shown next to that field, or in the summary when no field has that name.
// Nothing user-written is put into the page as HTML: text goes in as text; the preview and circuit drawings are HTML and
// SVG the archive rendered (sanitised there), parsed inert and moved in.

const storagePrefix = 'archive:guided:';
const currentKey = `${storagePrefix}current`;
const comparisons = [
  ['AtLeast', 'at least'],
  ['AtMost', 'at most'],
  ['Between', 'between'],
  ['ApproximatelyEqual', 'approximately'],
];

export function mount(root) {
  const form = root.querySelector('form.guided-form');
  const token = form.querySelector('input[name="__RequestVerificationToken"]').value;
  const headers = { RequestVerificationToken: token };
  const state = initialState(root);
  let methods = [];
  let storedUnder = state.slug || '';

  // --- storage -------------------------------------------------------------------------------------------------------
  function persist() {
    const key = state.slug || '';
    try {
      localStorage.setItem(storagePrefix + key, JSON.stringify(state));
      if (key !== storedUnder) localStorage.removeItem(storagePrefix + storedUnder);
      if (!root.dataset.slug) localStorage.setItem(currentKey, key);
    } catch (error) {
      console.warn('Could not keep the form in this browser', error);
    }
    storedUnder = key;
  }

  // --- fixed fields ----------------------------------------------------------------------------------------------------
  for (const input of form.querySelectorAll('[data-field]')) {
    const path = input.dataset.field;
    const value = get(state, path);
    if (input.type === 'radio') input.checked = input.value === value;
    else if (input.hasAttribute('data-list')) input.value = (value || []).join(', ');
    else input.value = value ?? '';
    const onChange = () => {
      if (input.type === 'radio' && !input.checked) return;
      const next = input.hasAttribute('data-list') ? splitList(input.value) : input.value;
      set(state, path, next);
      if (path === 'title' && !state.slugEdited) {
        state.slug = slugify(input.value);
        form.querySelector('[data-field="slug"]').value = state.slug;
      }
      if (path === 'slug') state.slugEdited = input.value !== '';
      if (path === 'modelSource') showModelSource();
      if (path === 'writeup') schedulePreview();
      persist();
    };
    input.addEventListener('input', onChange);
    input.addEventListener('change', onChange);
  }

  function showModelSource() {
    for (const section of form.querySelectorAll('[data-model-source]')) section.hidden = section.dataset.modelSource !== state.modelSource;
  }
  showModelSource();

  // --- writeup preview -------------------------------------------------------------------------------------------------
  const preview = root.querySelector('[data-writeup-preview]');
  let previewTimer = 0;
  let previewSequence = 0;
  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(renderPreview, 400);
  }
  async function renderPreview() {
    const sequence = ++previewSequence;
    const response = await post('/submissions/guided/preview', { markdown: state.writeup || '' });
    if (sequence !== previewSequence) return; // a later keystroke's preview is on its way
    if (!response.ok) {
      preview.replaceChildren(text('p', 'field-error', await problemText(response)));
      return;
    }
    putHtml(preview, await response.text(), 'text/html');
    preview.dispatchEvent(new CustomEvent('archive:rendered', { bubbles: true }));
  }
  if (state.writeup) renderPreview();

  // --- model upload ----------------------------------------------------------------------------------------------------
  const modelFile = root.querySelector('[data-model-file]');
  const progress = root.querySelector('[data-model-progress]');
  const modelStatus = root.querySelector('[data-model-status]');
  if (state.model.uploadInfo) modelStatus.textContent = describeModel(state.model.uploadInfo);
  modelFile.addEventListener('change', () => {
    const file = modelFile.files[0];
    if (!file) return;
    clearErrors('model');
    const request = new XMLHttpRequest();
    request.open('POST', `/submissions/guided/model?architecture=${encodeURIComponent(state.model.architecture || '')}`);
    request.setRequestHeader('RequestVerificationToken', token);
    request.setRequestHeader('Content-Type', 'application/octet-stream');
    request.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) progress.value = e.loaded / e.total;
    });
    request.addEventListener('load', () => {
      progress.hidden = true;
      const body = parseJson(request.responseText);
      if (request.status === 200 && body) {
        state.model.upload = body.upload;
        state.model.architecture = body.architecture;
        state.model.uploadInfo = { fileName: file.name, sha256: body.sha256, sizeBytes: body.sizeBytes, card: body.card };
        if (!state.model.slug) {
          state.model.slug = state.slug ? `${state.slug}-model` : slugify(file.name.replace(/\.safetensors$/i, ''));
          form.querySelector('[data-field="model.slug"]').value = state.model.slug;
        }
        modelStatus.textContent = describeModel(state.model.uploadInfo);
        persist();
      } else {
        state.model.upload = null;
        state.model.uploadInfo = null;
        modelStatus.textContent = '';
        showErrors(body?.errors ?? { 'model.file': [body?.detail ?? `The upload failed (${request.status}).`] });
        persist();
      }
    });
    request.addEventListener('error', () => {
      progress.hidden = true;
      showErrors({ 'model.file': ['The upload was interrupted; choose the file again.'] });
    });
    progress.value = 0;
    progress.hidden = false;
    modelStatus.textContent = `Uploading ${file.name}…`;
    request.send(file);
  });

  // --- circuits --------------------------------------------------------------------------------------------------------
  const circuitList = root.querySelector('[data-circuits]');
  const circuitFile = root.querySelector('[data-circuit-file]');
  circuitFile.addEventListener('change', async () => {
    const file = circuitFile.files[0];
    if (!file) return;
    clearErrors('circuits');
    const slug = slugify(file.name.replace(/\.json$/i, '')) || `circuit-${state.circuits.length + 1}`;
    const response = await post(`/submissions/guided/circuit?slug=${encodeURIComponent(slug)}`, await file.text(), 'application/json');
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      showErrors(body?.errors ?? { circuits: [body?.detail ?? `The file was refused (${response.status}).`] });
      return;
    }
    state.circuits = state.circuits.filter((c) => c.circuit.slug !== body.circuit.slug);
    state.circuits.push({ circuit: body.circuit, svg: body.svg });
    circuitFile.value = '';
    persist();
    renderCircuits();
  });
  function renderCircuits() {
    circuitList.replaceChildren(...state.circuits.map((entry, index) => {
      const item = text('li', 'guided-circuit');
      const head = text('div', 'guided-item-head');
      head.append(text('strong', null, entry.circuit.title), text('code', null, entry.circuit.slug),
        text('span', 'muted small', `${entry.circuit.nodes.length} nodes, ${entry.circuit.edges.length} edges`));
      const remove = text('button', 'link-button', 'Remove');
      remove.type = 'button';
      remove.addEventListener('click', () => {
        state.circuits.splice(index, 1);
        persist();
        renderCircuits();
      });
      head.append(remove);
      const canvas = text('div', 'circuit-canvas');
      if (entry.svg) putHtml(canvas, entry.svg, 'image/svg+xml');
      item.append(head, canvas, errorSlot(`circuits[${index}]`));
      return item;
    }));
  }
  renderCircuits();

  // --- claims ----------------------------------------------------------------------------------------------------------
  const claimList = root.querySelector('[data-claims]');
  root.querySelector('[data-add-claim]').addEventListener('click', () => {
    state.claims.push({ key: `claim-${state.claims.length + 1}`, statement: '', method: '', targets: [], parameters: {}, comparison: 'AtLeast', expected: null, expectedUpper: null, tolerance: 0 });
    persist();
    renderClaims();
    claimList.lastElementChild?.querySelector('input')?.focus();
  });

  function renderClaims() {
    claimList.replaceChildren(...state.claims.map((claim, index) => claimCard(claim, index)));
  }

  function claimCard(claim, index) {
    const prefix = `claims[${index}]`;
    const card = text('li', 'guided-claim');
    card.dataset.testid = `claim-${index}`;
    const method = methods.find((m) => m.name === claim.method);
    let checkTimer = 0;
    const changed = (rerender) => {
      persist();
      if (rerender) {
        card.replaceWith(claimCard(claim, index));
        return;
      }
      clearTimeout(checkTimer);
      checkTimer = setTimeout(() => checkClaim(claim, index), 500);
    };

    const row = text('div', 'field-row');
    row.append(
      field(`${prefix}.key`, 'Key', input('text', claim.key, (v) => { claim.key = v; changed(); }, { spellcheck: 'false' })),
      field(`${prefix}.method`, 'Method', select([['', 'Choose a method…'], ...methods.map((m) => [m.name, m.name])], claim.method, (v) => {
        claim.method = v;
        claim.parameters = {};
        changed(true);
      })));
    card.append(row);
    if (method) card.append(text('p', 'muted small', method.summary));
    card.append(field(`${prefix}.statement`, 'Statement', textarea(claim.statement, (v) => { claim.statement = v; changed(); })));
    card.append(field(`${prefix}.targets`, `Targets${method ? ` (${method.targets})` : ''}`,
      input('text', (claim.targets || []).join(', '), (v) => { claim.targets = splitList(v); changed(); }, { placeholder: method?.targets ?? '', spellcheck: 'false' })));

    if (method && Object.keys(method.parameters.properties).length > 0) {
      const parameters = text('fieldset', 'guided-parameters');
      parameters.append(text('legend', null, 'Parameters'));
      const collect = () => {
        claim.parameters = readParameters(parameters);
        changed();
      };
      parameterFields(parameters, method.parameters, claim.parameters || {}, '', prefix, collect);
      card.append(parameters);
    }

    const expectation = text('div', 'field-row');
    const upper = field(`${prefix}.expected_upper`, 'Upper bound', number(claim.expectedUpper, (v) => { claim.expectedUpper = v; changed(); }));
    upper.hidden = claim.comparison !== 'Between';
    expectation.append(
      field(`${prefix}.comparison`, 'Comparison', select(comparisons, claim.comparison, (v) => { claim.comparison = v; changed(true); })),
      field(`${prefix}.expected`, 'Expected value', number(claim.expected, (v) => { claim.expected = v; changed(); })),
      upper,
      field(`${prefix}.tolerance`, 'Tolerance', number(claim.tolerance, (v) => { claim.tolerance = v ?? 0; changed(); })));
    card.append(expectation, errorSlot(prefix));

    const remove = text('button', 'link-button', 'Remove this claim');
    remove.type = 'button';
    remove.addEventListener('click', () => {
      state.claims.splice(index, 1);
      persist();
      renderClaims();
    });
    card.append(remove);
    return card;
  }

  // Inputs for one object of a JSON Schema (nested objects as nested fieldsets); each input names its parameter's path.
  function parameterFields(container, schema, values, path, prefix, onChange) {
    const required = new Set(schema.required || []);
    for (const [name, property] of Object.entries(schema.properties || {})) {
      const at = path ? `${path}.${name}` : name;
      const errorKey = `${prefix}.parameters.${at}`;
      const value = values?.[name];
      if (property.type === 'object') {
        const nested = text('fieldset', 'guided-parameters nested');
        nested.append(text('legend', null, name + (required.has(name) ? ' *' : '')));
        parameterFields(nested, property, value || {}, at, prefix, onChange);
        nested.append(errorSlot(errorKey));
        container.append(nested);
        continue;
      }
      let control;
      if (property.enum) {
        control = select(property.enum.map((v) => [v, v === property.default ? `${v} (default)` : v]), value ?? property.default ?? '', onChange);
      } else if (property.type === 'boolean') {
        control = select([['false', 'false'], ['true', 'true']], String(value ?? property.default ?? false), onChange);
        control.dataset.kind = 'boolean';
      } else if (property.type === 'integer' || property.type === 'number') {
        control = number(value ?? null, onChange, property);
        control.dataset.kind = 'number';
      } else if (property.type === 'array') {
        control = input('text', (value ?? []).join(', '), onChange, { placeholder: `default ${(property.default || []).join(', ')}` });
        control.dataset.kind = 'list';
      } else if (property.type === 'string') {
        control = input('text', value ?? '', onChange, { spellcheck: 'false' });
      } else {
        control = textarea(value === undefined ? '' : JSON.stringify(value), onChange);
        control.dataset.kind = 'json';
        control.placeholder = 'JSON';
      }
      control.dataset.param = at;
      const range = property.minimum !== undefined ? ` [${property.minimum}, ${property.maximum}]` : '';
      container.append(field(errorKey, `${name}${required.has(name) ? ' *' : ''}`, control, range));
    }
  }

  function readParameters(container) {
    const parameters = {};
    for (const control of container.querySelectorAll('[data-param]')) {
      const raw = control.value.trim();
      if (raw === '') continue;
      let value = raw;
      if (control.dataset.kind === 'number') value = Number(raw);
      else if (control.dataset.kind === 'boolean') value = raw === 'true';
      else if (control.dataset.kind === 'list') value = splitList(raw).map((v) => (Number.isFinite(Number(v)) ? Number(v) : v));
      else if (control.dataset.kind === 'json') value = parseJson(raw) ?? raw; // not JSON: sent as written, and the check says so
      set(parameters, control.dataset.param, value);
    }
    return parameters;
  }

  async function checkClaim(claim, index) {
    if (!claim.method) return;
    const response = await post(`/submissions/guided/claim?index=${index}`, claim);
    if (!response.ok) return;
    const errors = await response.json();
    const prefix = `claims[${index}]`;
    clearErrors(prefix);
    showErrors(errors);
  }

  // --- saving ----------------------------------------------------------------------------------------------------------
  const saveStatus = root.querySelector('[data-save-status]');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors('');
    saveStatus.textContent = 'Saving…';
    const response = await post('/submissions/guided/save', payload());
    const body = await response.json().catch(() => null);
    if (response.ok && body) {
      saveStatus.textContent = `Saved as revision ${body.revision}; the worker is checking its claims.`;
      persist();
      window.location.assign(`${body.formUrl}#checks`);
      return;
    }
    const errors = body?.errors ?? { '': [body?.detail ?? `The draft was not saved (${response.status}).`] };
    const count = Object.values(errors).reduce((n, list) => n + list.length, 0);
    saveStatus.textContent = `Not saved: ${count} ${count === 1 ? 'fault' : 'faults'}, shown by the fields. Nothing was stored.`;
    showErrors(errors);
  });

  function payload() {
    const model = state.modelSource === 'existing'
      ? { existing: state.model.existing }
      : { upload: state.model.upload, slug: state.model.slug, name: state.model.name, architecture: state.model.architecture, description: state.model.description };
    return {
      slug: state.slug, title: state.title, summary: state.summary, behaviour: state.behaviour,
      tags: state.tags, techniques: state.techniques, authors: state.authors, revisionMessage: state.revisionMessage,
      model, writeup: state.writeup, circuits: state.circuits.map((c) => c.circuit), claims: state.claims,
    };
  }

  // --- errors ----------------------------------------------------------------------------------------------------------
  const summary = root.querySelector('[data-error-summary]');
  function clearErrors(prefix) {
    for (const slot of root.querySelectorAll('[data-error-for]')) {
      if (slot.dataset.errorFor.startsWith(prefix)) {
        slot.hidden = true;
        slot.textContent = '';
      }
    }
    if (prefix === '') {
      summary.hidden = true;
      summary.replaceChildren();
    }
  }
  // Each fault goes to the slot of its field, or of the nearest enclosing field that has one
  // (claims[0].targets[1] → claims[0].targets), else to the summary above the form.
  function showErrors(errors) {
    const unplaced = [];
    for (const [key, messages] of Object.entries(errors)) {
      let name = key;
      let slot = null;
      while (name && !(slot = root.querySelector(`[data-error-for="${CSS.escape(name)}"]`))) name = enclosing(name);
      for (const message of messages) {
        if (!slot) {
          unplaced.push(key ? `${key}: ${message}` : message);
          continue;
        }
        slot.hidden = false;
        slot.append(text('span', null, name === key ? message : `${key.slice(name.length).replace(/^\./, '')}: ${message}`));
      }
    }
    if (unplaced.length === 0) return;
    summary.hidden = false;
    const list = text('ul');
    list.append(...unplaced.map((m) => text('li', null, m)));
    summary.append(list);
  }

  // --- helpers ---------------------------------------------------------------------------------------------------------
  function post(url, body, contentType = 'application/json') {
    return fetch(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      credentials: 'same-origin',
    });
  }

  function field(errorKey, label, control, hint = '') {
    const wrapper = text('div', 'field');
    const id = `g-${errorKey.replace(/[^a-z0-9]+/gi, '-')}`;
    control.id = id;
    const labelElement = text('label', null, label);
    labelElement.htmlFor = id;
    if (hint) labelElement.append(' ', text('span', 'muted small', hint));
    wrapper.append(labelElement, control, errorSlot(errorKey));
    return wrapper;
  }

  fetch('/api/v1/claim-methods', { headers: { Accept: 'application/json' } })
    .then((r) => r.json())
    .then((list) => {
      methods = list;
      renderClaims();
    })
    .catch((error) => console.error('Could not load the evidence methods', error));
  renderClaims();
}

function initialState(root) {
  const blank = {
    slug: '', slugEdited: false, title: '', summary: '', behaviour: '', tags: [], techniques: [], authors: [], revisionMessage: '',
    modelSource: 'existing', model: { existing: '', upload: null, slug: '', name: '', architecture: 'attn-only', description: '' },
    writeup: '', circuits: [], claims: [],
  };
  const slug = root.dataset.slug || '';
  const local = read(storagePrefix + (slug || localStorageGet(currentKey) || ''));
  if (local) return { ...blank, ...local, model: { ...blank.model, ...local.model } };
  const stored = root.dataset.stored ? JSON.parse(root.dataset.stored) : null;
  if (!stored) return blank;
  return {
    ...blank, ...stored, slugEdited: true, modelSource: 'existing',
    model: { ...blank.model, existing: stored.model?.existing ?? '' },
    tags: stored.tags ?? [], techniques: stored.techniques ?? [], authors: stored.authors ?? [],
    circuits: (stored.circuits ?? []).map((circuit) => ({ circuit, svg: null })),
    claims: stored.claims ?? [], revisionMessage: '',
  };
}

function read(key) {
  return parseJson(localStorageGet(key));
}

function localStorageGet(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** The field around a field: claims[0].parameters.seq_len → claims[0].parameters → claims[0] → claims → ''. */
function enclosing(name) {
  const parent = name.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
  return parent === name ? '' : parent;
}

function parseJson(s) {
  if (!s) return null;
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

async function problemText(response) {
  const body = await response.json().catch(() => null);
  return body?.detail ?? `The preview failed (${response.status}).`;
}

// Markup the archive rendered (the writeup's HTML, a circuit's SVG): parsed into an inert document (no script runs,
// nothing loads while parsing) and moved in; the page's CSP forbids inline scripts and handlers besides.
function putHtml(target, markup, type) {
  const parsed = new DOMParser().parseFromString(markup, type);
  const nodes = type === 'image/svg+xml' ? [parsed.documentElement] : [...parsed.body.childNodes];
  target.replaceChildren(...nodes.map((n) => document.importNode(n, true)));
}

function describeModel(info) {
  const card = info.card;
  const size = info.sizeBytes.toLocaleString('en');
  const shape = card.nLayers ? `${card.nLayers} layers, d_model ${card.dModel}` : card.dModel ? `${card.dVocab} features in ${card.dModel} dimensions` : `${card.dVocab} classes`;
  return `Validated ${info.fileName}: ${shape}, ${card.parameterCount.toLocaleString('en')} parameters, ${size} bytes, sha256 ${info.sha256.slice(0, 12)}…`;
}

function slugify(s) {
  return s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100);
}

function splitList(s) {
  return s.split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}

function get(object, path) {
  return path.split('.').reduce((o, k) => o?.[k], object);
}

function set(object, path, value) {
  const keys = path.split('.');
  let o = object;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys.at(-1)] = value;
}

function text(tag, className, content) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (content !== undefined && content !== null) el.textContent = String(content);
  return el;
}

function errorSlot(key) {
  const slot = text('p', 'field-error');
  slot.dataset.errorFor = key;
  slot.hidden = true;
  return slot;
}

function input(type, value, onChange, attributes = {}) {
  const el = document.createElement('input');
  el.type = type;
  el.value = value ?? '';
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  el.addEventListener('input', () => onChange(el.value));
  return el;
}

function number(value, onChange, property = {}) {
  const el = input('number', value ?? '', () => onChange(el.value === '' ? null : Number(el.value)), { step: property.type === 'integer' ? '1' : 'any' });
  if (property.minimum !== undefined) el.min = property.minimum;
  if (property.maximum !== undefined) el.max = property.maximum;
  if (property.default !== undefined) el.placeholder = `default ${property.default}`;
  return el;
}

function textarea(value, onChange) {
  const el = document.createElement('textarea');
  el.rows = 2;
  el.value = value ?? '';
  el.addEventListener('input', () => onChange(el.value));
  return el;
}

function select(options, value, onChange) {
  const el = document.createElement('select');
  for (const [v, label] of options) {
    const option = text('option', null, label);
    option.value = v;
    el.append(option);
  }
  el.value = value ?? '';
  el.addEventListener('change', () => onChange(el.value));
  return el;
}
