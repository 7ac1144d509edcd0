// The dictionary upload form (/dictionaries/new), mounted by site.js from data-module. The page's markup holds every
// field; this module suggests the slug from the title, shows the chosen model's token sets, and sends the form as the
// body POST /api/v1/dictionaries takes (a 'manifest' part, DictionaryManifest's JSON, and the files by name) to the
// site's endpoint, with the page's antiforgery token and a progress bar. Uploaded token ids go as the part 'token_ids'
// and the archive names them by their sha256. A refusal comes back keyed by field ('slug', 'files', 'token_set') and is
// shown next to that field, or in the summary; success opens the dictionary's page, which shows the worker's progress.

export function mount(root) {
  const form = root.querySelector('form');
  const token = form.querySelector('input[name="__RequestVerificationToken"]').value;
  const field = (name) => form.elements.namedItem(name);
  const summary = root.querySelector('[data-error-summary]');
  const status = root.querySelector('[data-status]');
  const progress = root.querySelector('[data-progress]');
  const button = root.querySelector('[data-upload]');

  // --- the slug follows the title until it is edited ------------------------------------------------------------------
  let slugEdited = field('slug').value !== '';
  field('title').addEventListener('input', () => {
    if (!slugEdited) field('slug').value = slugify(field('title').value);
  });
  field('slug').addEventListener('input', () => {
    slugEdited = field('slug').value !== '';
  });

  // --- which inputs show ------------------------------------------------------------------------------------------------
  const choice = (name) => form.querySelector(`input[name="${name}"]:checked`)?.value;
  function showSources() {
    for (const el of root.querySelectorAll('[data-files-source]')) el.hidden = el.dataset.filesSource !== choice('files-source');
    for (const el of root.querySelectorAll('[data-tokens-source]')) el.hidden = el.dataset.tokensSource !== choice('tokens-source');
  }
  function showTokenSets() {
    const model = field('model').value;
    let shown = 0;
    for (const item of root.querySelectorAll('[data-model]')) {
      item.hidden = item.dataset.model !== model;
      if (item.hidden) item.querySelector('input').checked = false;
      else shown++;
    }
    root.querySelector('[data-choose-model]').hidden = model !== '';
    root.querySelector('[data-no-token-sets]').hidden = model === '' || shown > 0;
    const only = root.querySelectorAll(`[data-model="${CSS.escape(model)}"] input`);
    if (only.length === 1) only[0].checked = true;
  }
  for (const radio of form.querySelectorAll('input[name="files-source"], input[name="tokens-source"]')) radio.addEventListener('change', showSources);
  field('model').addEventListener('change', showTokenSets);
  showSources();
  showTokenSets();

  // --- sending --------------------------------------------------------------------------------------------------------
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors();
    const body = new FormData();
    body.append('manifest', JSON.stringify(manifest()));
    const missing = {};
    const parts = [...root.querySelectorAll(filePartsSelector())];
    for (const input of parts) {
      const file = input.files[0];
      if (file) body.append(input.dataset.part, file, input.dataset.part === 'token_ids' ? 'token_ids' : file.name);
      else if (input.dataset.missing) add(missing, input.dataset.part === 'token_ids' ? 'token_set' : 'files', input.dataset.missing);
    }
    if (choice('tokens-source') === 'archive' && !form.querySelector('input[name="archive-token-set"]:checked'))
      add(missing, 'token_set', 'Choose a token set, or upload token ids.');
    if (Object.keys(missing).length > 0) {
      showErrors(missing);
      status.textContent = 'Not sent: a file or token set is missing.';
      return;
    }
    send(body);
  });

  function filePartsSelector() {
    const files = choice('files-source') === 'zip' ? '[data-files-source="zip"] [data-part]' : '[data-files-source="files"] [data-part]';
    return choice('tokens-source') === 'upload' ? `${files}, [data-tokens-source="upload"] [data-part]` : files;
  }

  function manifest() {
    const picked = form.querySelector('input[name="archive-token-set"]:checked');
    const tokenSet = choice('tokens-source') === 'archive'
      ? { sha256: picked?.value ?? '', windows: Number(picked?.dataset.windows ?? 0), length: Number(picked?.dataset.length ?? 0), description: picked?.dataset.description ?? '' }
      // The archive hashes the uploaded ids and names them by it.
      : { sha256: '', windows: wholeNumber(field('windows').value), length: wholeNumber(field('length').value), description: field('token-description').value.trim() };
    return {
      slug: field('slug').value.trim(), title: field('title').value.trim(), description: field('description').value.trim(),
      model: field('model').value, token_set: tokenSet,
    };
  }

  function send(body) {
    const request = new XMLHttpRequest();
    request.open('POST', '/dictionaries/new/upload');
    request.setRequestHeader('RequestVerificationToken', token);
    request.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return;
      progress.value = e.loaded / e.total;
      status.textContent = e.loaded < e.total ? `Uploading… ${Math.floor((100 * e.loaded) / e.total)}%` : 'Checking the files…';
    });
    request.addEventListener('load', () => {
      const answer = parseJson(request.responseText);
      if (request.status === 200 && answer) {
        status.textContent = 'Stored; the worker is computing its dashboards.';
        window.location.assign(answer.pageUrl);
        return;
      }
      done();
      const errors = answer?.errors ?? { '': [answer?.detail ?? `The upload failed (${request.status}).`] };
      const count = Object.values(errors).reduce((n, list) => n + list.length, 0);
      status.textContent = `Refused: ${count} ${count === 1 ? 'fault' : 'faults'}, shown by the fields. Nothing was stored.`;
      showErrors(errors);
    });
    request.addEventListener('error', () => {
      done();
      status.textContent = 'The upload was interrupted; nothing was stored. Try again.';
    });
    button.disabled = true;
    progress.value = 0;
    progress.hidden = false;
    status.textContent = 'Uploading…';
    request.send(body);
  }

  function done() {
    button.disabled = false;
    progress.hidden = true;
  }

  // --- faults -----------------------------------------------------------------------------------------------------------
  function clearErrors() {
    for (const slot of root.querySelectorAll('[data-error-for]')) {
      slot.hidden = true;
      slot.replaceChildren();
    }
    summary.hidden = true;
    summary.replaceChildren();
  }

  function showErrors(errors) {
    const unplaced = [];
    for (const [key, messages] of Object.entries(errors)) {
      const slot = key ? root.querySelector(`[data-error-for="${CSS.escape(key)}"]`) : null;
      if (!slot) {
        unplaced.push(...messages);
        continue;
      }
      slot.hidden = false;
      slot.append(...messages.map((m) => text('span', m)));
    }
    if (unplaced.length === 0) return;
    summary.hidden = false;
    const list = document.createElement('ul');
    list.append(...unplaced.map((m) => text('li', m)));
    summary.append(text('p', 'The dictionary was not stored:'), list);
  }
}

function add(errors, key, message) {
  (errors[key] ??= []).push(message);
}

/** A whole number from a number field, 0 when empty (the archive's check then says what it needs). */
function wholeNumber(value) {
  const n = Number(value);
  return Number.isInteger(n) ? n : 0;
}

function parseJson(s) {
  try {
    return s ? JSON.parse(s) : null;
  } catch {
    return null;
  }
}

function text(tag, content) {
  const el = document.createElement(tag);
  el.textContent = content;
  return el;
}

function slugify(s) {
  return s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100);
}
