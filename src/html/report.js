// reprint HTML report: renders one page of groups at a time from the JSON
// block, and a group's texts only when it is expanded. Every string from the
// data is set as text (createTextNode / textContent), never as markup.
(function () {
  'use strict';

  const PAGE_SIZE = 50;
  const MEMBERS_STEP = 20;
  const TIMELINE_ROWS = 30;
  // additions longer than this many characters (plus slack) are folded
  const ADD_SHOWN = 160;
  const ADD_SLACK = 120;

  const data = JSON.parse(document.getElementById('reprint-data').textContent);
  const groups = data.groups || [];
  const texts = data.texts || {};
  const singletons = data.singletons || [];
  groups.forEach(function (g, i) { g.index = i; });
  const byId = new Map(groups.map(function (g) { return [g.id, g]; }));
  const links = new Map();
  (data.same_story || []).forEach(function (s) {
    [s.group, s.other].forEach(function (id) {
      if (!links.has(id)) links.set(id, []);
      links.get(id).push(s);
    });
  });

  const state = { q: '', sort: 'size', page: 0, view: groups.slice(), expanded: new Set() };
  const $groups = document.getElementById('groups');
  const $q = document.getElementById('q');
  const $sort = document.getElementById('sort');
  const $count = document.getElementById('count');
  const $pagers = Array.from(document.querySelectorAll('.pager'));
  const reduceMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  // ---- small helpers -----------------------------------------------------

  // h('div', {class: 'x'}, 'text', child, ...): children that are strings
  // become text nodes, null/false are skipped.
  function h(tag, attrs) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const k in attrs) {
        const v = attrs[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'hidden') el.hidden = true;
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
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : (many || one + 's')); }
  function fix2(x) { return x === null || x === undefined ? '–' : Number(x).toFixed(2); }
  function pct(x) { return x === null || x === undefined ? '–' : Math.round(x * 100) + '%'; }
  function utc(ts) {
    return new Date(ts * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  }
  function delta(sec) {
    if (sec < 60) return '+' + Math.round(sec) + ' s';
    const min = Math.round(sec / 60);
    if (min < 60) return '+' + min + ' min';
    const hours = Math.floor(min / 60);
    if (hours < 48) return '+' + hours + ' h' + (min % 60 ? ' ' + (min % 60) + ' min' : '');
    const days = Math.floor(hours / 24);
    return '+' + days + ' d' + (hours % 24 ? ' ' + (hours % 24) + ' h' : '');
  }
  const BY = {
    'alone': 'it is the only member',
    'published-at': 'it was published first',
    'attribution': 'the other members credit it',
    'content': 'it carries the shared text and adds least of its own',
    'credited-outside': 'the members credit a source that is not in the input'
  };
  function roleOf(g, m, i) {
    if (m.is_original) return 'original';
    if (!m.parent && i === 0) return 'root';
    return m.relation || 'copy';
  }
  function badge(role) { return h('span', { class: 'badge b-' + role }, role); }
  function label(m) { return m.title || m.id; }
  function groupTitle(g) {
    const m = g.members[0];
    return m ? label(m) : g.id;
  }
  function memberDomId(g, i) { return 'm-' + g.index + '-' + i; }
  function parentIndex(g, m) {
    if (!m.parent) return -1;
    for (let i = 0; i < g.members.length; i++) if (g.members[i].id === m.parent) return i;
    return -1;
  }

  // ---- characters -> JS string indices ------------------------------------

  // Offsets in the data count Unicode scalar values; JS strings are UTF-16.
  // Returns a function from a character offset to a string index.
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

  // Renders `text` into `el` with segments [{start, end, kind, p, words}]
  // (character offsets, sorted or not; overlaps are clipped).
  function renderText(el, text, segs, side) {
    const at = indexer(text);
    const frag = document.createDocumentFragment();
    const sorted = segs.slice().sort(function (a, b) { return a.start - b.start || a.end - b.end; });
    let pos = 0;
    for (const s of sorted) {
      const a = at(Math.max(s.start, 0));
      const b = at(s.end);
      const start = Math.max(a, pos);
      if (b <= start) continue;
      if (start > pos) frag.appendChild(document.createTextNode(text.slice(pos, start)));
      const piece = text.slice(start, b);
      if (s.kind === 'addition') {
        frag.appendChild(addition(text, start, b, at(s.start + ADD_SHOWN), s.words));
      } else if (s.kind === 'shared') {
        frag.appendChild(h('mark', { class: 'passage shared', title: 'Copied by another member of the group' }, piece));
      } else {
        frag.appendChild(h('button', {
          type: 'button', class: 'pnum', 'data-p': s.p,
          'aria-label': 'Passage ' + s.p + ' (' + plural(s.words, 'word') + '): show it in the ' + (side === 'copy' ? 'source' : 'copy')
        }, String(s.p)));
        frag.appendChild(h('mark', {
          class: 'passage', 'data-p': s.p,
          title: 'Shared passage ' + s.p + ', ' + plural(s.words, 'word') + ' (click to show it in the ' + (side === 'copy' ? 'source' : 'copy') + ')'
        }, piece));
      }
      pos = b;
    }
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    el.textContent = '';
    el.appendChild(frag);
  }

  // An addition; a long one (a site's header, a footer) shows its first
  // characters and a button for the rest, so the shared text stays in view.
  function addition(text, a, b, cut, words) {
    const ins = h('ins', { class: 'addition', title: 'Added: ' + plural(words, 'word') + ' not in the source' });
    if (b - a <= ADD_SHOWN + ADD_SLACK) {
      ins.appendChild(document.createTextNode(text.slice(a, b)));
      return ins;
    }
    // cut after a space near the limit, never inside a character
    cut = Math.max(cut, a);
    const space = text.indexOf(' ', cut);
    if (space > 0 && space < cut + 40 && space < b) cut = space + 1;
    const rest = h('span', { class: 'rest', hidden: true }, text.slice(cut, b));
    const hiddenWords = Math.max(1, words - text.slice(a, cut).split(/\s+/).filter(Boolean).length);
    ins.appendChild(document.createTextNode(text.slice(a, cut)));
    ins.appendChild(h('button', { type: 'button', class: 'expand' },
      '\u2026 show ' + plural(hiddenWords, 'more added word')));
    ins.appendChild(rest);
    return ins;
  }

  // ---- list, search, pages -------------------------------------------------

  function searchKey(g) {
    if (g.key === undefined) {
      const parts = [g.id, g.credited_source];
      g.members.forEach(function (m) { parts.push(m.id, m.title, m.source, m.credited_source); });
      g.key = parts.filter(Boolean).join('\n').toLowerCase();
    }
    return g.key;
  }
  function terms() { return state.q.toLowerCase().split(/\s+/).filter(Boolean); }
  function matches(key, ts) { return ts.every(function (t) { return key.indexOf(t) >= 0; }); }

  function refresh() {
    const ts = terms();
    let v = ts.length ? groups.filter(function (g) { return matches(searchKey(g), ts); }) : groups.slice();
    if (state.sort === 'size') {
      v.sort(function (a, b) { return b.members.length - a.members.length || a.index - b.index; });
    } else if (state.sort === 'confidence') {
      v.sort(function (a, b) { return a.confidence - b.confidence || a.index - b.index; });
    }
    state.view = v;
    const pages = Math.max(1, Math.ceil(v.length / PAGE_SIZE));
    state.page = Math.min(state.page, pages - 1);
    render();
  }

  function render() {
    const v = state.view;
    const pages = Math.max(1, Math.ceil(v.length / PAGE_SIZE));
    const from = state.page * PAGE_SIZE;
    const slice = v.slice(from, from + PAGE_SIZE);
    $groups.textContent = '';
    slice.forEach(function (g) { $groups.appendChild(groupEl(g)); });
    if (!groups.length) {
      $groups.appendChild(h('p', { class: 'note' }, 'No groups of copies: every article is alone.'));
    } else if (!v.length) {
      $groups.appendChild(h('p', { class: 'note' }, 'No group matches \u201c' + state.q + '\u201d.'));
    }
    const ts = terms();
    if (ts.length) {
      const alone = singletons.filter(function (id) { return matches(id.toLowerCase(), ts); });
      if (alone.length) {
        $groups.appendChild(h('p', { class: 'note' },
          plural(alone.length, 'article') + ' with no copy ' + (alone.length === 1 ? 'matches' : 'match') + ': ',
          alone.slice(0, 20).map(function (id, i) { return [i ? ', ' : '', h('code', null, id)]; }),
          alone.length > 20 ? ', \u2026' : ''));
      }
    }
    const total = groups.length;
    $count.textContent = ts.length
      ? v.length + ' of ' + plural(total, 'group') + ' match'
      : plural(total, 'group');
    $pagers.forEach(function (p) { pager(p, pages, from, slice.length, v.length); });
  }

  function pager(nav, pages, from, shown, total) {
    nav.textContent = '';
    nav.hidden = pages <= 1;
    if (pages <= 1) return;
    const go = function (p) { return function () { state.page = p; render(); document.getElementById('groups-h').scrollIntoView(); }; };
    const btn = function (text, p, aria) {
      const b = h('button', { type: 'button', 'aria-label': aria }, text);
      b.disabled = p < 0 || p >= pages || p === state.page;
      b.addEventListener('click', go(p));
      return b;
    };
    nav.appendChild(btn('\u00ab First', 0, 'First page'));
    nav.appendChild(btn('\u2039 Previous', state.page - 1, 'Previous page'));
    nav.appendChild(h('span', { class: 'where' },
      'Page ' + (state.page + 1) + ' of ' + pages + ' \u00b7 groups ' + (from + 1) + '\u2013' + (from + shown) + ' of ' + total));
    nav.appendChild(btn('Next \u203a', state.page + 1, 'Next page'));
    nav.appendChild(btn('Last \u00bb', pages - 1, 'Last page'));
  }

  // ---- one group -----------------------------------------------------------

  function groupEl(g) {
    const open = state.expanded.has(g.id);
    const counts = {};
    g.members.forEach(function (m, i) {
      const r = roleOf(g, m, i);
      if (r !== 'original' && r !== 'root') counts[r] = (counts[r] || 0) + 1;
    });
    const dated = g.ts.filter(function (t) { return t !== null && t !== undefined; });
    const meta = [plural(g.members.length, 'article')];
    const badges = Object.keys(counts).sort().map(function (r) { return [' ', badge(r), counts[r] > 1 ? ' \u00d7' + counts[r] : '']; });
    const orig = g.original_id
      ? null
      : 'original outside the corpus' + (g.credited_source ? ', credited to ' + g.credited_source : '');
    const outlets = Array.from(new Set(g.members.map(function (m) { return m.source; }).filter(Boolean)));
    const span = dated.length ? utc(Math.min.apply(null, dated)).slice(0, 10) : null;
    const body = h('div', { class: 'gbody', id: 'gb-' + g.id, hidden: !open });
    const btn = h('button', { type: 'button', class: 'gbtn', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': 'gb-' + g.id, 'data-group': g.id },
      h('span', { class: 'chev', 'aria-hidden': 'true' }, '\u25b8'),
      h('span', { class: 'gid' }, g.id),
      h('span', { class: 'gtitle', dir: 'auto' }, groupTitle(g)),
      h('span', { class: 'gmeta' },
        meta.join(''), badges,
        orig ? ' \u00b7 ' + orig : '',
        ' \u00b7 confidence ' + fix2(g.confidence),
        span ? ' \u00b7 from ' + span : '',
        outlets.length ? ' \u00b7 ' + outlets.slice(0, 4).join(', ') + (outlets.length > 4 ? ' +' + (outlets.length - 4) : '') : ''));
    const el = h('article', { class: 'group' + (open ? ' expanded' : ''), id: 'group-' + g.id, 'aria-label': 'Group ' + g.id },
      h('h3', null, btn), body);
    if (open) renderGroupBody(g, body);
    return el;
  }

  function toggle(btn, force) {
    const g = byId.get(btn.getAttribute('data-group'));
    const body = document.getElementById('gb-' + g.id);
    const open = force === undefined ? btn.getAttribute('aria-expanded') !== 'true' : force;
    btn.setAttribute('aria-expanded', open ? 'true' : 'false');
    body.hidden = !open;
    btn.closest('.group').classList.toggle('expanded', open);
    if (open) {
      state.expanded.add(g.id);
      if (!body.firstChild) renderGroupBody(g, body);
    } else {
      state.expanded.delete(g.id);
    }
  }

  function renderGroupBody(g, body) {
    const first = g.members[0];
    let prov;
    if (g.original_id) {
      prov = h('p', { class: 'prov' }, 'Original: ', h('strong', { dir: 'auto' }, label(first)),
        first.source ? [' (', first.source, ')'] : '', ' ',
        h('span', { class: 'why' }, '\u2014 chosen because ' + (BY[g.original_by] || g.original_by) + '.'),
        ' Confidence ', h('strong', null, fix2(g.confidence)),
        h('span', { class: 'why' }, ' (the weakest copy-to-source evidence in the group).'));
    } else {
      prov = h('p', { class: 'prov' }, 'Original outside the corpus',
        g.credited_source ? [', credited to ', h('strong', null, g.credited_source)] : '', '. ',
        h('span', { class: 'why' }, 'The copies are compared with the root, '), h('code', null, first.id),
        h('span', { class: 'why' }, '.'),
        ' Confidence ', h('strong', null, fix2(g.confidence)),
        h('span', { class: 'why' }, ' (the weakest copy-to-source evidence in the group).'));
    }
    body.appendChild(prov);
    body.appendChild(timeline(g));
    const same = sameStory(g);
    if (same) body.appendChild(same);
    const list = h('ol', { class: 'members', 'aria-label': 'Members of ' + g.id });
    body.appendChild(list);
    showMembers(g, list, Math.min(g.members.length, MEMBERS_STEP));
  }

  function showMembers(g, list, upTo) {
    const more = list.parentNode.querySelector('.more');
    if (more) more.remove();
    for (let i = list.children.length; i < upTo; i++) list.appendChild(memberEl(g, i));
    const left = g.members.length - list.children.length;
    if (left > 0) {
      const b = h('button', { type: 'button', class: 'more', 'data-more': g.id },
        'Show ' + Math.min(left, MEMBERS_STEP) + ' more of ' + plural(left, 'remaining member'));
      list.parentNode.appendChild(b);
    }
  }

  function timeline(g) {
    const box = h('section', { class: 'timeline', 'aria-label': 'Timeline of ' + g.id }, h('h4', null, 'When each copy appeared'));
    const rows = [];
    const undated = [];
    g.members.forEach(function (m, i) {
      if (g.ts[i] === null || g.ts[i] === undefined) undated.push(i); else rows.push(i);
    });
    rows.sort(function (a, b) { return g.ts[a] - g.ts[b] || a - b; });
    if (rows.length) {
      const t0 = g.ts[rows[0]];
      const t1 = g.ts[rows[rows.length - 1]];
      // dots: a row of its own for any dot too close to the previous one
      const axis = h('div', { class: 'axis', 'aria-hidden': 'true' });
      const lastX = [];
      rows.forEach(function (i) {
        const x = t1 > t0 ? (g.ts[i] - t0) / (t1 - t0) * 100 : 50;
        let row = 0;
        while (row < 4 && lastX[row] !== undefined && x - lastX[row] < 2.5) row++;
        lastX[row] = x;
        const m = g.members[i];
        const role = roleOf(g, m, i);
        axis.appendChild(h('span', {
          class: 'dot b-' + role + (i === 0 ? ' first' : ''),
          style: 'left:' + x.toFixed(2) + '%;bottom:' + (4 + row * 16) + 'px',
          title: utc(g.ts[i]) + ' \u2014 ' + role + ' \u2014 ' + (m.source || m.id)
        }));
      });
      axis.style.height = (12 + Math.min(lastX.length, 5) * 16) + 'px';
      box.appendChild(axis);
      box.appendChild(h('div', { class: 'axis-labels', 'aria-hidden': 'true' },
        h('span', null, utc(t0)), t1 > t0 ? h('span', null, utc(t1) + ' (' + delta(t1 - t0).slice(1) + ' later)') : null));
      const list = h('ol', { class: 'tl' });
      rows.slice(0, TIMELINE_ROWS).forEach(function (i) {
        const m = g.members[i];
        list.appendChild(h('li', null,
          h('span', { class: 'when' }, utc(g.ts[i])),
          h('span', { class: 'delay' }, g.ts[i] > t0 ? delta(g.ts[i] - t0) : 'first'),
          h('span', { class: 'rel' }, badge(roleOf(g, m, i))),
          h('span', { class: 'who' }, m.source ? [m.source, ' \u00b7 '] : '',
            h('a', { href: '#' + memberDomId(g, i), 'data-member': i, 'data-group': g.id }, m.id))));
      });
      box.appendChild(list);
      if (rows.length > TIMELINE_ROWS) box.appendChild(h('p', { class: 'note' }, 'and ' + (rows.length - TIMELINE_ROWS) + ' more dated members'));
    }
    if (undated.length) {
      box.appendChild(h('p', { class: 'undated' }, h('strong', null, rows.length ? 'Undated: ' : 'No member is dated: '),
        undated.slice(0, TIMELINE_ROWS).map(function (i, k) {
          return [k ? ', ' : '', h('a', { href: '#' + memberDomId(g, i), 'data-member': i, 'data-group': g.id }, g.members[i].source || g.members[i].id)];
        }), undated.length > TIMELINE_ROWS ? ', \u2026' : ''));
    }
    return box;
  }

  function sameStory(g) {
    const ls = links.get(g.id);
    if (!ls || !ls.length) return null;
    const box = h('section', { class: 'same', 'aria-label': 'Same story elsewhere' },
      h('h4', null, 'Same story, told in other words (not copies)'));
    const ul = h('ul');
    ls.forEach(function (s) {
      const otherId = s.group === g.id ? s.other : s.group;
      const other = byId.get(otherId);
      const theirs = s.group === g.id ? s.articles[1] : s.articles[0];
      const facts = ['score ' + fix2(s.score)];
      if (s.days_apart !== null && s.days_apart !== undefined) facts.push(Number(s.days_apart).toFixed(1) + ' days apart');
      ul.appendChild(h('li', null,
        other
          ? [h('a', { href: '#group-' + other.id, 'data-goto': other.id }, other.id + ': ' + groupTitle(other)), ' ']
          : [h('code', null, theirs), ' (no copies) '],
        h('span', { class: 'note' }, '\u2014 ' + facts.join(', ') +
          (s.shared_terms && s.shared_terms.length ? '; both tell: ' + s.shared_terms.slice(0, 8).join(', ') : ''))));
    });
    box.appendChild(ul);
    return box;
  }

  function fact(name, value, cls) {
    if (value === null || value === undefined || value === '') return null;
    return h('div', { class: cls || null }, h('dt', null, name), h('dd', { dir: 'auto' }, value));
  }

  function memberEl(g, i) {
    const m = g.members[i];
    const role = roleOf(g, m, i);
    const pi = parentIndex(g, m);
    const parent = pi >= 0 ? g.members[pi] : null;
    const li = h('li', { class: 'member r-' + role + (i === 0 ? ' is-first' : ''), id: memberDomId(g, i) },
      h('h4', null, badge(role), h('span', { class: 't', dir: 'auto' }, m.title || m.id)),
      h('p', { class: 'mid' }, h('code', null, m.id)));
    const facts = h('dl', { class: 'facts' },
      fact('Outlet', m.source),
      fact('Published', m.published_at ? m.published_at : 'undated'),
      fact('Credits', m.credited_source),
      parent ? h('div', null, h('dt', null, (m.relation || 'copy') + ' copy of'),
        h('dd', null, h('a', { href: '#' + memberDomId(g, pi), 'data-member': pi, 'data-group': g.id }, parent.source || parent.id))) : null);
    li.appendChild(facts);
    if (parent) {
      const adds = m.additions || [];
      const addWords = adds.reduce(function (n, a) { return n + a.words; }, 0);
      li.appendChild(h('dl', { class: 'facts figures', 'aria-label': 'Figures against the source' },
        fact('J', fix2(m.jaccard)),
        fact('of it in source', pct(m.containment)),
        fact('of source in it', pct(m.contained_by)),
        fact('longest shared passage', m.longest_passage !== null && m.longest_passage !== undefined ? plural(m.longest_passage, 'word') : null),
        fact('passages', String((m.passages || []).length)),
        fact('additions', adds.length ? plural(adds.length, 'addition') + ', ' + plural(addWords, 'word') : 'none')));
    }
    li.appendChild(texts_(g, m, parent));
    return li;
  }

  function pane(title, text, segs, side, aria) {
    const body = h('div', { class: 'text', tabindex: '0', role: 'region', 'aria-label': aria, dir: 'auto', 'data-side': side });
    if (typeof text === 'string') renderText(body, text, segs, side);
    else body.appendChild(h('span', { class: 'notext' }, 'Text not in this report (it was made with --no-evidence).'));
    return h('section', { class: 'pane' }, h('h5', null, title), body);
  }

  function texts_(g, m, parent) {
    const text = texts[m.id];
    if (!parent) {
      // the first member: mark what the copies took from it
      const shared = [];
      g.members.forEach(function (c) {
        if (c.parent === m.id) (c.passages || []).forEach(function (p) { shared.push({ start: p.parent_start, end: p.parent_end, kind: 'shared' }); });
      });
      const segs = merge(shared);
      return h('div', { class: 'pair single' },
        pane([h('span', { class: 'k' }, 'Text'), segs.length ? ' \u2014 highlighted: taken by the copies below' : ''], text, segs, 'root', 'Text of ' + m.id));
    }
    const passages = m.passages || [];
    const adds = m.additions || [];
    const mine = passages.map(function (p, k) { return { start: p.start, end: p.end, kind: 'passage', p: k + 1, words: p.words }; })
      .concat(adds.map(function (a) { return { start: a.start, end: a.end, kind: 'addition', words: a.words }; }));
    const theirs = passages.map(function (p, k) { return { start: p.parent_start, end: p.parent_end, kind: 'passage', p: k + 1, words: p.words }; });
    return h('div', { class: 'pair' },
      pane([h('span', { class: 'k' }, 'This copy'), ' \u2014 ' + plural(passages.length, 'shared passage') + ', ' + plural(adds.length, 'addition')],
        text, mine, 'copy', 'Text of ' + m.id),
      pane([h('span', { class: 'k' }, 'Its source'), ' \u2014 ', parent.source || parent.id],
        texts[parent.id], theirs, 'source', 'Text of its source ' + parent.id));
  }

  function merge(spans) {
    spans.sort(function (a, b) { return a.start - b.start; });
    const out = [];
    spans.forEach(function (s) {
      const last = out[out.length - 1];
      if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
      else out.push({ start: s.start, end: s.end, kind: s.kind });
    });
    return out;
  }

  // ---- passages: pair highlight, jump to the other side --------------------

  function pairOf(el) {
    const member = el.closest('.member');
    const p = el.getAttribute('data-p');
    return member ? Array.from(member.querySelectorAll('[data-p="' + p + '"]')) : [];
  }
  function setActive(el, on) {
    pairOf(el).forEach(function (x) { x.classList.toggle('active', on); });
  }
  function jump(el) {
    const member = el.closest('.member');
    const pane = el.closest('.text');
    if (!member || !pane) return;
    const other = Array.from(member.querySelectorAll('.text')).filter(function (t) { return t !== pane; })[0];
    if (!other) return;
    const target = other.querySelector('mark[data-p="' + el.getAttribute('data-p') + '"]');
    if (!target) return;
    other.scrollTo({ top: Math.max(0, target.offsetTop - 24), behavior: reduceMotion ? 'auto' : 'smooth' });
    const own = pane.querySelector('mark[data-p="' + el.getAttribute('data-p') + '"]');
    [target, own].forEach(function (x) {
      if (!x) return;
      x.classList.remove('flash');
      void x.offsetWidth;
      x.classList.add('flash');
    });
  }

  // ---- navigation ----------------------------------------------------------

  function goToGroup(id, memberIndex) {
    const g = byId.get(id);
    if (!g) return;
    let pos = state.view.indexOf(g);
    if (pos < 0) {
      state.q = '';
      $q.value = '';
      refresh();
      pos = state.view.indexOf(g);
    }
    state.page = Math.floor(pos / PAGE_SIZE);
    state.expanded.add(g.id);
    render();
    const el = document.getElementById('group-' + g.id);
    let target = el;
    if (memberIndex !== undefined) {
      const list = el.querySelector('.members');
      if (list && list.children.length <= memberIndex) showMembers(g, list, memberIndex + 1);
      target = document.getElementById(memberDomId(g, memberIndex)) || el;
    }
    target.scrollIntoView({ block: 'start' });
    const focusable = memberIndex === undefined ? el.querySelector('.gbtn') : target;
    if (memberIndex !== undefined) target.setAttribute('tabindex', '-1');
    focusable.focus({ preventScroll: true });
  }

  function fromHash() {
    const hash = decodeURIComponent(location.hash.slice(1));
    if (hash.indexOf('group-') === 0) goToGroup(hash.slice(6));
  }

  $groups.addEventListener('click', function (e) {
    const t = e.target;
    const gb = t.closest('.gbtn');
    if (gb) { toggle(gb); return; }
    const goto = t.closest('a[data-goto]');
    if (goto) {
      e.preventDefault();
      history.pushState(null, '', '#group-' + goto.getAttribute('data-goto'));
      goToGroup(goto.getAttribute('data-goto'));
      return;
    }
    const mem = t.closest('a[data-member]');
    if (mem) {
      e.preventDefault();
      goToGroup(mem.getAttribute('data-group'), Number(mem.getAttribute('data-member')));
      return;
    }
    const more = t.closest('button[data-more]');
    if (more) {
      const g = byId.get(more.getAttribute('data-more'));
      const list = more.parentNode.querySelector('.members');
      showMembers(g, list, list.children.length + MEMBERS_STEP);
      return;
    }
    const ex = t.closest('button.expand');
    if (ex) {
      const rest = ex.nextSibling;
      rest.hidden = false;
      rest.setAttribute('tabindex', '-1');
      ex.remove();
      rest.focus({ preventScroll: true });
      return;
    }
    const p = t.closest('[data-p]');
    if (p && !p.classList.contains('shared')) jump(p);
  });
  $groups.addEventListener('mouseover', function (e) {
    const p = e.target.closest && e.target.closest('[data-p]');
    if (p) setActive(p, true);
  });
  $groups.addEventListener('mouseout', function (e) {
    const p = e.target.closest && e.target.closest('[data-p]');
    if (p) setActive(p, false);
  });
  $groups.addEventListener('focusin', function (e) {
    if (e.target.matches('button.pnum')) setActive(e.target, true);
  });
  $groups.addEventListener('focusout', function (e) {
    if (e.target.matches('button.pnum')) setActive(e.target, false);
  });

  let timer = 0;
  $q.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { state.q = $q.value.trim(); state.page = 0; refresh(); }, 120);
  });
  $q.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') { clearTimeout(timer); state.q = $q.value.trim(); state.page = 0; refresh(); }
  });
  $sort.addEventListener('change', function () { state.sort = $sort.value; state.page = 0; refresh(); });
  document.getElementById('collapse').addEventListener('click', function () {
    state.expanded.clear();
    render();
  });
  window.addEventListener('hashchange', fromHash);

  refresh();
  if (location.hash) fromHash();
})();
