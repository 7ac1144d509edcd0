// Progressive enhancement for the static pages. Every page works without it; with it:
//  - math in writeups (.math spans and divs from Markdig) is typeset by KaTeX's auto-render,
//  - fenced code with a language-* class is highlighted by highlight.js,
//  - hovering or focusing a circuit-diagram node highlights its edges and neighbours and dims the rest,
//  - the library's filter selects submit on change,
//  - on feature dashboards, hovering a token of an activating context (or moving through a focused context with the
//    arrow keys) shows its activation in a tooltip,
//  - elements with data-module get their ES module mounted (attribution-graph drawings: js/graph-view.js; the guided
//    submission form: js/guided-form.js; the dictionary upload form: js/dictionary-form.js), and HTML such a module
//    renders is typeset on its 'archive:rendered' event.
// Enhancement runs on first load and again after each Blazor enhanced navigation ('enhancedload').
(() => {
  'use strict';

  // Writeups are submitted, so KaTeX gets no trust: \href, \url, \includegraphics, \htmlClass and the other \html*
  // commands render as errors, not links, images or attributes. Sizes (\rule, \kern) are capped at maxSize em and
  // macro expansion at maxExpand steps, so a formula cannot make the page huge or loop; a formula KaTeX cannot typeset
  // shows as red source rather than throwing.
  const katexOptions = {
    delimiters: [
      { left: '\\[', right: '\\]', display: true },
      { left: '\\(', right: '\\)', display: false },
    ],
    throwOnError: false,
    strict: 'ignore',
    trust: false,
    maxSize: 10,
    maxExpand: 1000,
  };
  // A formula longer than this stays as its TeX source: KaTeX's time and the page it builds grow with it. Real ones are
  // a few hundred characters.
  const maxFormulaLength = 10000;

  function renderMath(root) {
    if (typeof window.renderMathInElement !== 'function') return;
    root.querySelectorAll('.math').forEach((el) => {
      if (el.querySelector('.katex') || el.textContent.length > maxFormulaLength) return;
      try {
        window.renderMathInElement(el, katexOptions);
      } catch (error) {
        // Not a TeX error (those are shown in place): deep nesting can exhaust KaTeX's stack. The source stays.
        console.warn('Could not typeset', error);
      }
    });
  }

  function highlightCode(root) {
    if (!window.hljs) return;
    root.querySelectorAll('pre code[class*="language-"]').forEach((el) => {
      if (el.dataset.highlighted === 'yes') return;
      const lang = [...el.classList].find((c) => c.startsWith('language-'))?.slice('language-'.length);
      if (lang && !window.hljs.getLanguage(lang)) return; // unknown language: leave the text as it is
      window.hljs.highlightElement(el);
    });
  }

  // A page whose drawing is an ES module names it in data-module (a fingerprinted address); the module exports
  // mount(element). Enhanced navigation does not run the new page's scripts, hence this; and when it merges a page
  // into the same element, data-mounted goes with the old attributes and the module mounts again.
  function mountModules(root) {
    root.querySelectorAll('[data-module]').forEach((el) => {
      if (el.dataset.mounted === 'true') return;
      el.dataset.mounted = 'true';
      import(new URL(el.dataset.module, document.baseURI).href)
        .then((module) => module.mount(el))
        .catch((error) => console.error('Could not load', el.dataset.module, error));
    });
  }

  function enhance() {
    renderMath(document);
    highlightCode(document);
    mountModules(document);
    openLinksOutsideEmbed(document);
  }

  // An embeddable view (?embed=true) sits in someone else's page: its links open the archive in a new tab rather than
  // replacing the frame.
  function openLinksOutsideEmbed(root) {
    if (!root.querySelector('main.embed')) return;
    for (const link of root.querySelectorAll('main.embed a[href]')) {
      if (link.getAttribute('href').startsWith('#')) continue;
      link.target = '_blank';
      link.rel = 'noopener';
    }
  }

  // Circuit diagrams: event delegation, so it survives enhanced navigation without rebinding.
  function nodeOf(target) {
    return target instanceof Element ? target.closest('svg.circuit-svg a.node') : null;
  }

  function highlightNode(node) {
    const svg = node.closest('svg.circuit-svg');
    const key = node.getAttribute('data-node');
    clearHighlight(svg);
    svg.classList.add('is-highlighting');
    node.classList.add('is-active');
    const neighbours = new Set();
    svg.querySelectorAll('.edge').forEach((edge) => {
      const source = edge.getAttribute('data-source');
      const target = edge.getAttribute('data-target');
      if (source === key || target === key) {
        edge.classList.add('is-active');
        neighbours.add(source === key ? target : source);
      }
    });
    svg.querySelectorAll('a.node').forEach((other) => {
      if (neighbours.has(other.getAttribute('data-node'))) other.classList.add('is-linked');
    });
  }

  function clearHighlight(svg) {
    if (!svg) return;
    svg.classList.remove('is-highlighting');
    svg.querySelectorAll('.is-active, .is-linked').forEach((el) => el.classList.remove('is-active', 'is-linked'));
  }

  document.addEventListener('mouseover', (e) => {
    const node = nodeOf(e.target);
    if (node) highlightNode(node);
  });
  document.addEventListener('mouseout', (e) => {
    const node = nodeOf(e.target);
    if (node && !node.contains(e.relatedTarget)) clearHighlight(node.closest('svg.circuit-svg'));
  });
  document.addEventListener('focusin', (e) => {
    const node = nodeOf(e.target);
    if (node) highlightNode(node);
  });
  document.addEventListener('focusout', (e) => {
    const node = nodeOf(e.target);
    if (node) clearHighlight(node.closest('svg.circuit-svg'));
  });

  // Library filters: a changed select or radio submits its GET form (the Search button still works without script).
  document.addEventListener('change', (e) => {
    const field = e.target;
    if (!(field instanceof HTMLSelectElement || (field instanceof HTMLInputElement && field.type === 'radio'))) return;
    const form = field.form;
    if (form && form.hasAttribute('data-autosubmit')) {
      const page = form.querySelector('input[name="page"]');
      if (page) page.remove();
      form.requestSubmit();
    }
  });

  // Feature dashboards: one tooltip element for every token of every context.
  let tip = null;
  function tokenTip() {
    if (tip && document.body.contains(tip)) return tip;
    tip = document.createElement('div');
    tip.className = 'token-tip';
    tip.id = 'token-tip';
    tip.setAttribute('role', 'tooltip');
    tip.hidden = true;
    document.body.appendChild(tip);
    return tip;
  }

  function showToken(tok) {
    // The native title would show a second tooltip: keep its text in data-title instead.
    if (tok.hasAttribute('title')) {
      tok.dataset.title = tok.getAttribute('title');
      tok.removeAttribute('title');
    }
    const t = tokenTip();
    t.textContent = tok.dataset.title || tok.dataset.act || '';
    t.hidden = false;
    const r = tok.getBoundingClientRect();
    t.style.left = `${Math.max(4, window.scrollX + r.left)}px`;
    t.style.top = `${window.scrollY + r.bottom + 6}px`;
    tok.closest('.context-tokens')?.querySelectorAll('.tok.is-active').forEach((el) => el.classList.remove('is-active'));
    tok.classList.add('is-active');
  }

  function hideToken() {
    if (tip) tip.hidden = true;
    document.querySelectorAll('.context-tokens .tok.is-active').forEach((el) => el.classList.remove('is-active'));
  }

  document.addEventListener('mouseover', (e) => {
    const tok = e.target instanceof Element ? e.target.closest('.context-tokens .tok') : null;
    if (tok) showToken(tok);
  });
  document.addEventListener('mouseout', (e) => {
    const tok = e.target instanceof Element ? e.target.closest('.context-tokens .tok') : null;
    if (tok && !(e.relatedTarget instanceof Element && e.relatedTarget.closest('.context-tokens .tok'))) hideToken();
  });
  document.addEventListener('keydown', (e) => {
    const context = e.target instanceof Element ? e.target.closest('.context-tokens') : null;
    if (!context || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) return;
    const tokens = [...context.querySelectorAll('.tok')];
    if (tokens.length === 0) return;
    const current = tokens.findIndex((el) => el.classList.contains('is-active'));
    const start = current < 0 ? tokens.findIndex((el) => el.classList.contains('tok-max')) : current + (e.key === 'ArrowRight' ? 1 : -1);
    showToken(tokens[Math.min(tokens.length - 1, Math.max(0, start < 0 ? 0 : start))]);
    e.preventDefault();
  });
  document.addEventListener('focusout', (e) => {
    if (e.target instanceof Element && e.target.classList.contains('context-tokens')) hideToken();
  });

  // A module that puts rendered writeup HTML into the page (the guided form's preview) asks for the same typesetting
  // and highlighting as a published writeup gets, with these options.
  document.addEventListener('archive:rendered', (e) => {
    if (!(e.target instanceof Element)) return;
    renderMath(e.target);
    highlightCode(e.target);
  });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', enhance);
  } else {
    enhance();
  }

  function listenForEnhancedLoad() {
    if (window.Blazor && typeof window.Blazor.addEventListener === 'function') {
      window.Blazor.addEventListener('enhancedload', enhance);
      return true;
    }
    return false;
  }
  if (!listenForEnhancedLoad()) {
    window.addEventListener('load', listenForEnhancedLoad, { once: true });
  }
})();
