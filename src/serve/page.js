// reprint serve: the editors' page. Sends the pasted story to POST
// /v1/check, shows the verdict and the matches, and for the chosen match
// the two texts side by side (GET /v1/articles/{id}) and its group's
// timeline (GET /v1/groups/{id}). Every string from the server or the
// user is set as text (createTextNode / textContent), never as markup.
(function () {
  'use strict';

  const $ = function (id) { return document.getElementById(id); };
  const form = $('form');
  const story = $('story');
  const statusEl = $('status');
  const go = $('go');
  const state = { result: null, text: '', date: null, chosen: -1, groups: new Map(), seq: 0 };

  // ---- small helpers -----------------------------------------------------

  function h(tag, attrs) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const k in attrs) {
        const v = attrs[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') el.className = v;
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (let i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(el, x); }); return; }
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  function clear(el) { el.textContent = ''; }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : (many || one + 's')); }
  function pct(x) { return x === null || x === undefined ? '–' : Math.round(x * 100) + '%'; }
  function utc(ts) { return new Date(ts * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'; }
  function delta(sec) {
    const sign = sec < 0 ? '−' : '+';
    sec = Math.abs(sec);
    if (sec < 60) return sign + Math.round(sec) + ' s';
    const min = Math.round(sec / 60);
    if (min < 60) return sign + min + ' min';
    const hours = Math.floor(min / 60);
    if (hours < 48) return sign + hours + ' h' + (min % 60 ? ' ' + (min % 60) + ' min' : '');
    const days = Math.floor(hours / 24);
    return sign + days + ' d' + (hours % 24 ? ' ' + (hours % 24) + ' h' : '');
  }
  function setStatus(text, isError) {
    statusEl.textContent = text || '';
    statusEl.classList.toggle('error', !!isError);
  }
  function badge(role) { return h('span', { class: 'badge b-' + role }, role); }
  function label(a) { return a.title || a.id; }

  // The relation in an editor's words: "this story is ___ a story in the index".
  const WORDS = {
    'identical': 'an identical copy of',
    'near-identical': 'a near-identical copy of',
    'reprint': 'a reprint of',
    'edited': 'an edited copy of',
    'partial': 'partly copied from'
  };
  const BY = {
    'alone': 'it is the only article of its group',
    'published-at': 'it was published first',
    'attribution': 'the other copies credit it',
    'content': 'it carries the shared text and adds least of its own',
    'credited-outside': 'its copies credit a source that is not in the index'
  };

  async function api(path, options) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      throw new Error('the server cannot be reached (' + e.message + ')');
    }
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      throw new Error((body && body.error) || ('the server answered ' + response.status));
    }
    return body;
  }

  // ---- characters -> JS string indices ------------------------------------

  // Offsets from the server count Unicode scalar values (code points); JS
  // strings index UTF-16 units. Returns a function from a character offset
  // to a string index.
  function indexer(text) {
    const n16 = text.length;
    if (!/[\uD800-\uDFFF]/.test(text)) {
      return function (i) { return Math.max(0, Math.min(i, n16)); };
    }
    const map = [0];
    let u = 0;
    for (const ch of text) { u += ch.length; map.push(u); }
    const n = map.length - 1;
    return function (i) { return map[Math.max(0, Math.min(i, n))]; };
  }

  // The stretches of `text` (character offsets) that no span covers and
  // that hold a letter or digit: what the story has and the match lacks.
  function gaps(text, spans) {
    const chars = Array.from(text);
    const sorted = spans.slice().sort(function (a, b) { return a.start - b.start; });
    const out = [];
    let pos = 0;
    const push = function (a, b) {
      if (b > a && /[\p{L}\p{N}]/u.test(chars.slice(a, b).join(''))) out.push({ start: a, end: b, kind: 'addition' });
    };
    sorted.forEach(function (s) { push(pos, s.start); pos = Math.max(pos, s.end); });
    push(pos, chars.length);
    return out;
  }

  // Renders `text` into `el` with segments {start, end, kind, p, words}.
  function renderText(el, text, segs, side) {
    const at = indexer(text);
    const frag = document.createDocumentFragment();
    const sorted = segs.slice().sort(function (a, b) { return a.start - b.start || a.end - b.end; });
    let pos = 0;
    for (const s of sorted) {
      const start = Math.max(at(s.start), pos);
      const end = at(s.end);
      if (end <= start) continue;
      if (start > pos) frag.appendChild(document.createTextNode(text.slice(pos, start)));
      const piece = text.slice(start, end);
      if (s.kind === 'addition') {
        frag.appendChild(h('ins', { class: 'addition', title: 'Only in your story' }, piece));
      } else {
        const other = side === 'mine' ? 'the match' : 'your story';
        frag.appendChild(h('button', {
          type: 'button', class: 'pnum', 'data-p': s.p,
          'aria-label': 'Copied passage ' + s.p + ' (' + plural(s.words, 'word') + '): show it in ' + other
        }, String(s.p)));
        frag.appendChild(h('mark', {
          class: 'passage', 'data-p': s.p,
          title: 'Copied passage ' + s.p + ', ' + plural(s.words, 'word')
        }, piece));
      }
      pos = end;
    }
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    clear(el);
    el.appendChild(frag);
  }

  // ---- the check ------------------------------------------------------------

  async function check() {
    const text = story.value;
    if (!text.trim()) {
      setStatus('Paste a story first.', true);
      story.focus();
      return;
    }
    const body = { text: text };
    const title = $('title').value.trim();
    const source = $('source').value.trim();
    const date = $('date').value.trim();
    if (title) body.title = title;
    if (source) body.source = source;
    if (date) body.published_at = date;
    const seq = ++state.seq;
    go.disabled = true;
    setStatus('Checking…');
    const started = performance.now();
    try {
      const result = await api('/v1/check?limit=20', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body)
      });
      if (seq !== state.seq) return;
      state.result = result;
      state.text = text;
      state.date = date ? parseDate(date) : null;
      state.chosen = -1;
      setStatus('Checked in ' + Math.round(performance.now() - started) + ' ms.');
      await showResult();
    } catch (e) {
      if (seq === state.seq) setStatus('Could not check the story: ' + e.message, true);
    } finally {
      if (seq === state.seq) go.disabled = false;
    }
  }

  function parseDate(s) {
    const t = Date.parse(/^\d{4}-\d\d-\d\d \d/.test(s) ? s.replace(' ', 'T') : s);
    return isNaN(t) ? null : t / 1000;
  }

  async function group(id) {
    if (!state.groups.has(id)) {
      state.groups.set(id, api('/v1/groups/' + encodeURIComponent(id) + '?members=200&passages=false'));
    }
    return state.groups.get(id);
  }

  async function showResult() {
    const r = state.result;
    $('result').hidden = false;
    $('compare').hidden = true;
    $('timeline').hidden = true;
    $('same').hidden = true;
    const box = $('verdict-box');
    const verdict = $('verdict');
    const detail = $('verdict-detail');
    clear(detail);
    renderMatches();
    if (!r.is_reprint || !r.matches.length) {
      box.className = 'verdict clean';
      verdict.textContent = 'No copy found';
      detail.appendChild(document.createTextNode(
        'This story shares no passage with any article in the index. It may be original, ' +
        'a rewrite in new words, or a copy of something the index has not seen.'));
      if (r.credited_source) detail.appendChild(h('span', null, ' It credits ', h('strong', null, r.credited_source), '.'));
      $('matches-box').hidden = true;
      verdict.focus();
      return;
    }
    $('matches-box').hidden = false;
    const top = r.matches[0];
    const partial = top.relation === 'partial';
    box.className = 'verdict ' + (partial ? 'partial' : 'copied');
    verdict.textContent = (partial ? 'Partly copied: ' : 'Copied: ') + 'this story is ' +
      WORDS[top.relation] + ' a story in group ' + top.group;
    detail.appendChild(h('span', { class: 'loading' }, 'Looking up the group…'));
    verdict.focus();
    await choose(0, false);
    let g;
    try { g = await group(top.group); } catch (e) { g = null; }
    if (state.result !== r) return;
    clear(detail);
    detail.appendChild(origin(g, top));
    const also = new Set(r.matches.map(function (m) { return m.group; }));
    const facts = [];
    facts.push([pct(top.containment) + ' of your story is in ', top.source ? h('bdi', null, top.source) : 'the match',
      '\u2019s text, and ' + pct(top.contained_by) + ' of that text is in yours; the longest copied passage runs ' +
      plural(top.longest_passage, 'word') + '.']);
    if (also.size > 1) facts.push('It also matches ' + plural(also.size - 1, 'other group') + ' (below).');
    if (r.credited_source) facts.push(['Your story credits ', h('bdi', null, r.credited_source), '.']);
    detail.appendChild(h('span', { class: 'facts' }, facts.map(function (f) { return [' ', f]; })));
  }

  // "First published by X on DATE: TITLE" for the group of `m`.
  function origin(g, m) {
    const frag = document.createDocumentFragment();
    if (!g) {
      frag.appendChild(document.createTextNode('The match is ' + m.id + (m.source ? ' (' + m.source + ')' : '') + '.'));
      return frag;
    }
    const original = g.members.find(function (x) { return x.is_original; });
    const size = g.size > 1 ? ' Group ' + g.id + ' holds ' + plural(g.size, 'article') + '.' : '';
    if (original) {
      const when = original.published_ts ? utc(original.published_ts) : original.published_at;
      frag.appendChild(h('span', null, 'The original: \u201c', h('strong', { dir: 'auto' }, label(original)), '\u201d',
        original.source ? [', by ', h('strong', { dir: 'auto' }, original.source)] : '',
        when ? [', first published ', h('strong', null, when)] : '',
        !original.source && !when ? ' (no outlet or date recorded)' : '',
        g.size > 1 ? ' \u2014 the original because ' + (BY[g.original_by] || g.original_by) + '.'
          : ' \u2014 the only article of its group in the index.', size));
    } else {
      frag.appendChild(h('span', null, 'The original is not in the index',
        g.credited_source ? [': its copies credit ', h('strong', null, g.credited_source)] : '', '.', size));
    }
    return frag;
  }

  function renderMatches() {
    const list = $('matches');
    clear(list);
    state.result.matches.forEach(function (m, i) {
      const b = h('button', { type: 'button', class: 'match r-' + m.relation, 'aria-pressed': 'false', 'data-i': i },
        badge(m.relation),
        h('span', { class: 'mt', dir: 'auto' }, m.id),
        // each part isolated, so that a right-to-left outlet never reorders a date
        h('span', { class: 'mm' },
          [m.source, m.published_at, 'group ' + m.group,
            m.original_id ? (m.original_id === m.id ? 'the original' : 'original: ' + m.original_id) : 'original outside the index']
            .filter(Boolean).map(function (x, k) { return [k ? ' \u00b7 ' : '', h('bdi', null, x)]; })),
        h('span', { class: 'mf' },
          pct(m.containment) + ' of your story is in it \u00b7 ' + pct(m.contained_by) + ' of it is in yours \u00b7 ' +
          'longest passage ' + plural(m.longest_passage, 'word') + ' \u00b7 ' + plural((m.passages || []).length, 'passage')));
      list.appendChild(h('li', null, b));
    });
  }

  async function choose(i, focus) {
    const r = state.result;
    const m = r.matches[i];
    if (!m) return;
    state.chosen = i;
    Array.from(document.querySelectorAll('#matches .match')).forEach(function (b) {
      b.setAttribute('aria-pressed', Number(b.getAttribute('data-i')) === i ? 'true' : 'false');
    });
    const compare = $('compare');
    compare.hidden = false;
    const passages = m.passages || [];
    const mine = passages.map(function (p, k) { return { start: p.start, end: p.end, kind: 'passage', p: k + 1, words: p.words }; });
    renderText($('mine'), state.text, mine.concat(gaps(state.text, mine)), 'mine');
    $('mine-h').textContent = 'Your story \u2014 ' + plural(passages.length, 'copied passage');
    const theirs = $('theirs');
    clear(theirs);
    theirs.appendChild(h('span', { class: 'loading' }, 'Loading the match\u2026'));
    $('theirs-h').textContent = 'The match \u2014 ' + (m.source ? m.source + ', ' : '') + m.id;
    if (focus) compare.scrollIntoView({ block: 'start' });
    let a = null;
    let g = null;
    try {
      const both = await Promise.all([
        api('/v1/articles/' + encodeURIComponent(m.id)),
        group(m.group).catch(function () { return null; })
      ]);
      a = both[0];
      g = both[1];
    } catch (e) {
      if (state.result === r && state.chosen === i) {
        clear(theirs);
        theirs.appendChild(h('span', { class: 'loading' }, 'The match\u2019s text could not be loaded: ' + e.message));
      }
      return;
    }
    if (state.result !== r || state.chosen !== i) return;
    const segs = passages.map(function (p, k) { return { start: p.parent_start, end: p.parent_end, kind: 'passage', p: k + 1, words: p.words }; });
    renderText(theirs, a.text, segs, 'theirs');
    $('theirs-h').textContent = 'The match \u2014 ' + label(a) + (a.source ? ' (' + a.source + ')' : '');
    timeline(g, m);
    sameStory(g);
  }

  function timeline(g, m) {
    const box = $('timeline');
    const body = $('timeline-body');
    clear(body);
    if (!g) { box.hidden = true; return; }
    box.hidden = false;
    $('timeline-h').textContent = 'When the story appeared: group ' + g.id + ', ' + plural(g.size, 'article');
    const rows = g.members.map(function (x) {
      return { ts: x.published_ts, who: x, role: x.is_original ? 'original' : (x.relation || 'copy') };
    });
    rows.push({ ts: state.date, who: null, role: 'yours' });
    const dated = rows.filter(function (x) { return x.ts !== null && x.ts !== undefined; })
      .sort(function (a, b) { return a.ts - b.ts; });
    const undated = rows.filter(function (x) { return x.ts === null || x.ts === undefined; });
    if (dated.length) {
      const t0 = dated[0].ts;
      const list = h('ol', { class: 'tl', 'aria-label': 'Dated articles, earliest first' });
      dated.forEach(function (x, k) {
        list.appendChild(h('li', { class: (x.who ? '' : 'yours') + (x.who && x.who.id === m.id ? ' chosen' : '') },
          h('span', { class: 'when' }, utc(x.ts)),
          h('span', { class: 'delay' }, k === 0 ? 'first' : delta(x.ts - t0)),
          h('span', { class: 'rel' }, badge(x.role)),
          h('span', { class: 'who', dir: 'auto' }, x.who ? [(x.who.source ? x.who.source + ' \u00b7 ' : ''), label(x.who)] : 'Your story')));
      });
      body.appendChild(list);
    }
    if (undated.length) {
      body.appendChild(h('p', { class: 'note' }, h('strong', null, dated.length ? 'Undated: ' : 'No article is dated: '),
        undated.map(function (x, k) {
          return [k ? '; ' : '', x.who ? (x.who.source ? x.who.source + ' \u00b7 ' : '') + label(x.who) : 'your story', ' (', x.role, ')'];
        })));
    }
    if (g.truncated) body.appendChild(h('p', { class: 'note' }, 'Showing the first ' + g.members.length + ' of ' + g.size + ' articles.'));
  }

  // Same-story links (rewrites in other words), when the server has them.
  function sameStory(g) {
    const box = $('same');
    const list = $('same-list');
    clear(list);
    const links = g && Array.isArray(g.same_story) ? g.same_story : [];
    box.hidden = links.length === 0;
    links.forEach(function (s) {
      const id = typeof s === 'string' ? s : (s.other || s.group);
      list.appendChild(h('li', null, 'group ', h('code', null, String(id))));
    });
  }

  // ---- passages: pair highlight, jump to the other side --------------------

  function pair(p) { return Array.from(document.querySelectorAll('#compare [data-p="' + p + '"]')); }
  function setActive(el, on) { pair(el.getAttribute('data-p')).forEach(function (x) { x.classList.toggle('active', on); }); }
  function jump(el) {
    const pane = el.closest('.text');
    const other = pane && pane.id === 'mine' ? $('theirs') : $('mine');
    const target = other.querySelector('mark[data-p="' + el.getAttribute('data-p') + '"]');
    if (!target) return;
    other.scrollTo({ top: Math.max(0, target.offsetTop - other.offsetTop - 24) });
    [target, pane.querySelector('mark[data-p="' + el.getAttribute('data-p') + '"]')].forEach(function (x) {
      if (!x) return;
      x.classList.remove('flash');
      void x.offsetWidth;
      x.classList.add('flash');
    });
  }
  const compare = $('compare');
  compare.addEventListener('click', function (e) {
    const p = e.target.closest('[data-p]');
    if (p) jump(p);
  });
  compare.addEventListener('mouseover', function (e) { const p = e.target.closest('[data-p]'); if (p) setActive(p, true); });
  compare.addEventListener('mouseout', function (e) { const p = e.target.closest('[data-p]'); if (p) setActive(p, false); });
  compare.addEventListener('focusin', function (e) { if (e.target.matches('button.pnum')) setActive(e.target, true); });
  compare.addEventListener('focusout', function (e) { if (e.target.matches('button.pnum')) setActive(e.target, false); });

  $('matches').addEventListener('click', function (e) {
    const b = e.target.closest('.match');
    if (b) choose(Number(b.getAttribute('data-i')), true);
  });

  // ---- input: paste, files, keys ---------------------------------------------

  const TEXT_FIELDS = ['text', 'body', 'body_md', 'content', 'article', 'body_text', 'markdown'];
  function firstString(obj, names) {
    for (const n of names) {
      const v = obj[n];
      if (typeof v === 'string' && v.trim()) return v;
      if (v && typeof v === 'object' && typeof v.name === 'string') return v.name;
    }
    return '';
  }

  function load(file) {
    if (!file) return;
    if (file.size > 20 * 1024 * 1024) { setStatus(file.name + ' is too large to check here (over 20 MB).', true); return; }
    const reader = new FileReader();
    reader.onload = function () {
      const content = String(reader.result || '');
      let text = content;
      if (/\.json$/i.test(file.name) || /^\s*\{/.test(content)) {
        try {
          const obj = JSON.parse(content);
          const rec = Array.isArray(obj) ? obj[0] : obj;
          if (rec && typeof rec === 'object') {
            text = firstString(rec, TEXT_FIELDS) || content;
            $('title').value = firstString(rec, ['title', 'headline']);
            $('source').value = firstString(rec, ['source', 'publisher', 'site', 'outlet', 'domain']);
            $('date').value = firstString(rec, ['published_at', 'date', 'published', 'pubDate', 'pub_date', 'datetime']);
          }
        } catch (e) { text = content; }
      }
      story.value = text;
      setStatus('Loaded ' + file.name + '.');
      check();
    };
    reader.onerror = function () { setStatus('Could not read ' + file.name + '.', true); };
    reader.readAsText(file);
  }

  story.addEventListener('dragover', function (e) { e.preventDefault(); story.classList.add('dragging'); });
  story.addEventListener('dragleave', function () { story.classList.remove('dragging'); });
  story.addEventListener('drop', function (e) {
    story.classList.remove('dragging');
    const files = e.dataTransfer && e.dataTransfer.files;
    if (files && files.length) { e.preventDefault(); load(files[0]); }
  });
  $('file').addEventListener('change', function () { load(this.files[0]); this.value = ''; });
  form.addEventListener('submit', function (e) { e.preventDefault(); check(); });
  story.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); check(); }
  });
  $('clear').addEventListener('click', function () {
    story.value = '';
    ['title', 'source', 'date'].forEach(function (id) { $(id).value = ''; });
    $('result').hidden = true;
    setStatus('');
    story.focus();
  });

  api('/v1/health').then(function (hl) {
    $('index-info').textContent = 'Paste a story to check it against the ' + plural(hl.articles, 'article') +
      ' in the index' + (hl.read_only ? ' (read-only)' : '') + '.';
  }).catch(function (e) { setStatus('The server is not answering: ' + e.message, true); });
})();
