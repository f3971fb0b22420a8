// Opens reprint's HTML report in headless Chromium (Debian's `chromium`,
// driven by playwright-core) and checks what a reader sees.
//
//   cd tests/browser && npm ci && npm test
//
// Builds the release binary (cargo run --release), writes the reports under
// target/browser/, and saves target/browser/report.png for reviewers.
// CHROMIUM=/path/to/chromium overrides the browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'target', 'browser');
const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

let browser;

function reprint(args) {
  execFileSync('cargo', ['run', '--quiet', '--release', '--', 'cluster', '-q', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

function jsonl(path, records) {
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

// Texts with astral characters (emoji: two UTF-16 units each), Persian and
// Chinese, so a passage is only right if character offsets are converted to
// JavaScript string indices; and a story whose title, outlet and text carry
// markup that must show as text.
function writeTestCorpus(dir) {
  mkdirSync(dir, { recursive: true });
  const en = 'The harbour council approved the new ferry schedule on Tuesday \u{1F6A2} after a long hearing in which residents asked for later sailings on weekends. The schedule adds two evening crossings and keeps fares at last year\'s level until the end of the season \u{1F3AB}. Officials said the changes take effect on the first of July.';
  const fa = 'سازمان آب منطقه‌ای اصفهان اعلام کرد حجم آب پشت سد زاینده‌رود به کمترین میزان در ده سال اخیر رسیده است \u{1F4A7} و مسئولان از مردم خواستند در مصرف آب صرفه‌جویی کنند. به گفته مدیرعامل این سازمان، ورودی سد در شش ماه گذشته نسبت به سال قبل چهل درصد کاهش یافته و ذخایر فعلی تنها برای تأمین آب شرب تا پایان تابستان کافی است \u{1F6B0}.';
  const zh = '南京市住房保障和房产局发布新办法，老旧小区加装电梯最高可获补贴二十五万元\u{1F3E2}。新办法自三月一日起施行，申请条件进一步放宽，居民可通过线上平台提交材料\u{1F642}。相关负责人表示，今年全市计划完成加装电梯五百部以上，重点支持有老年人居住的楼栋\u{1F475}。';
  const story = [en, fa, zh].join('\n\n');
  const wrapped = '\u{1F600}\u{1F600} Reposted by \u{1F30D} Global Wire \u{1F30D} — read more stories every day \u{1F4F0}\u{1F4F0}\u{1F4F0} on our app, with alerts for breaking news \u{1F514}.\n\n'
    + story + '\n\n\u{1F44D} Like and share \u{1F501} this article with your friends and family, and follow us for more updates \u{1F64F}\u{1F64F}.';
  const evil = 'Library <script>alert(1)</script> trustees voted on Monday to extend opening hours at all branches <img src=x onerror=alert(2)> from the first of March, after a survey found that most readers wanted evening and Sunday hours. The change costs about two hundred thousand a year and is paid for by a grant from the county. The head librarian said the extra hours would be staffed by new part-time posts and volunteers.';
  jsonl(join(dir, 'unicode.jsonl'), [
    { id: 'uc-orig', title: 'سد زاینده‌رود \u{1F4A7} 南京 \u{1F3E2}', text: story, source: 'Origin \u{1F310} Press', published_at: '2025-01-18T07:45:00Z' },
    { id: 'uc-copy', title: 'Global Wire \u{1F30D} repost', text: wrapped, source: 'Global Wire', published_at: '2025-01-18T12:20:00Z' },
    { id: 'evil-orig', title: '<img src=x onerror=alert(3)> Library hours', text: evil, source: '<b>Evil</b> Gazette', published_at: '2025-02-01T08:00:00Z' },
    { id: 'evil-copy', title: '</script><script>alert(4)</script>', text: 'Reposted: ' + evil + ' <b>Subscribe</b> for more.', source: 'Copy & Paste Daily', published_at: '2025-02-01T10:00:00Z' },
  ]);
}

// Reads and rewrites the JSON block of a report, for UI cases the engine
// does not produce on a small corpus (same-story links, thousands of groups).
function readData(html) {
  const m = html.match(/<script type="application\/json" id="reprint-data">([\s\S]*?)<\/script>/);
  assert.ok(m, 'the report has a JSON data block');
  return { data: JSON.parse(m[1]), start: m.index, end: m.index + m[0].length };
}
function withData(html, data) {
  const { start, end } = readData(html);
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return html.slice(0, start) + '<script type="application/json" id="reprint-data">' + json + '</script>' + html.slice(end);
}

// A page that fails the test on any console error, page error, dialog
// (alert) or request that leaves the file.
async function open(file, t) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push('console: ' + msg.text()); });
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  page.on('dialog', (d) => { problems.push('dialog: ' + d.message()); d.dismiss(); });
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push('request: ' + r.url());
  });
  t.after(async () => {
    await page.close();
    assert.deepEqual(problems, [], 'no console errors, page errors, dialogs or network requests');
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('#groups .group, #groups .note');
  return page;
}

async function search(page, q) {
  await page.fill('#q', q);
  await page.press('#q', 'Enter');
}

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  reprint(['corpus/seeds', 'corpus/cases', '--html', join(OUT, 'report.html'), '--format', 'jsonl', '-o', join(OUT, 'report.jsonl')]);
  writeTestCorpus(join(OUT, 'input'));
  reprint([join(OUT, 'input'), '--html', join(OUT, 'unicode.html'), '--format', 'jsonl', '-o', join(OUT, 'unicode.jsonl')]);
  browser = await chromium.launch({ executablePath: EXECUTABLE, args: ARGS, headless: true });
});

after(async () => {
  if (browser) await browser.close();
});

test('the seed group shows both members, passages and additions', async (t) => {
  const page = await open(join(OUT, 'report.html'), t);
  assert.match(await page.textContent('h1'), /reprint report/);
  assert.ok(await page.locator('#groups .group').count() >= 2, 'groups are listed');

  await search(page, 'seeds/001');
  const group = page.locator('#groups .group');
  await group.first().waitFor();
  assert.equal(await group.count(), 1, 'the search finds the seed group only');
  const button = group.locator('.gbtn');
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
  await button.click();
  assert.equal(await button.getAttribute('aria-expanded'), 'true');

  const members = group.locator('.member');
  assert.equal(await members.count(), 2, 'two members');
  const ids = await members.locator('.mid code').allTextContents();
  assert.deepEqual(ids.map((s) => s.replace(/^.*seeds\//, 'seeds/').slice(0, 9)).sort(), ['seeds/001', 'seeds/002']);
  for (const id of ids) assert.ok(await members.getByText(id, { exact: true }).first().isVisible(), id + ' is visible');
  assert.match(await group.locator('.prov').textContent(), /outside the corpus, credited to Cryptopolitan/);

  const copy = members.filter({ has: page.locator('.badge.b-edited') });
  assert.equal(await copy.count(), 1, 'one edited copy');
  const passages = copy.locator('.text[data-side="copy"] mark.passage');
  assert.ok(await passages.count() >= 1, 'shared passages are highlighted');
  await passages.first().scrollIntoViewIfNeeded();
  assert.ok(await passages.first().isVisible(), 'the first passage is visible');
  const bg = await passages.first().evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(bg, 'rgba(0, 0, 0, 0)', 'a passage has a highlight colour');
  assert.ok(await copy.locator('.text[data-side="source"] mark.passage').count() >= 1, 'the source side shows the passages too');

  const additions = copy.locator('.text[data-side="copy"] ins.addition');
  assert.ok(await additions.count() >= 1, 'additions are marked');
  assert.ok(await additions.first().isVisible(), 'an addition is visible');
  const label = await additions.first().evaluate((el) => getComputedStyle(el, '::before').content);
  assert.equal(label, '"added"', 'an addition is labelled');

  // a long addition (the reposting site's header) is folded; its button unfolds it
  const fold = copy.locator('.text[data-side="copy"] button.expand').first();
  assert.ok(await fold.isVisible(), 'a long addition is folded');
  const before = await additions.first().evaluate((el) => el.getBoundingClientRect().height);
  await fold.click();
  const afterH = await additions.first().evaluate((el) => el.getBoundingClientRect().height);
  assert.ok(afterH > before, 'unfolding shows the rest of the addition');

  // pointing at a passage lights it up on both sides
  await passages.nth(1).hover();
  assert.equal(await copy.locator('mark.passage.active').count(), 2, 'hover marks the passage in the copy and its source');

  // the numbered marker jumps the source pane to the same passage
  const last = await passages.count();
  const marker = copy.locator('.text[data-side="copy"] button.pnum').nth(last - 1);
  await marker.focus();
  await page.keyboard.press('Enter');
  const source = copy.locator('.text[data-side="source"]');
  await page.waitForFunction((el) => {
    const m = el.querySelectorAll('mark.passage');
    const target = m[m.length - 1].getBoundingClientRect();
    const box = el.getBoundingClientRect();
    return target.top >= box.top - 1 && target.top < box.bottom;
  }, await source.elementHandle());

  // the timeline lists both members
  assert.equal(await group.locator('.timeline').count(), 1);

  // the whole list again, seed group still open: the picture for reviewers
  await search(page, '');
  await page.locator('#groups .group').nth(2).waitFor();
  await page.locator('#q').blur();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
});

test('keyboard: a group opens and closes with Enter and Space', async (t) => {
  const page = await open(join(OUT, 'report.html'), t);
  const button = page.locator('#groups .gbtn').first();
  await button.focus();
  await page.keyboard.press('Enter');
  assert.equal(await button.getAttribute('aria-expanded'), 'true');
  assert.ok(await page.locator('#groups .group').first().locator('.member').first().isVisible());
  await page.keyboard.press('Space');
  assert.equal(await button.getAttribute('aria-expanded'), 'false');
});

test('skipped records and parameters are shown', async (t) => {
  const page = await open(join(OUT, 'report.html'), t);
  assert.match(await page.textContent('#skipped h2'), /Skipped records \(\d+\)/);
  assert.ok(await page.locator('#params').isVisible());
});

test('character offsets hold with emoji, Persian and Chinese text', async (t) => {
  const page = await open(join(OUT, 'unicode.html'), t);
  const html = readFileSync(join(OUT, 'unicode.html'), 'utf8');
  const { data } = readData(html);
  const copy = data.groups.flatMap((g) => g.members).find((m) => m.id === 'uc-copy');
  assert.ok(copy && copy.passages.length >= 1, 'the test copy has passages');
  const chars = (s, a, b) => Array.from(s).slice(a, b).join('');
  const mine = data.texts['uc-copy'];
  const theirs = data.texts[copy.parent];

  await search(page, 'uc-copy');
  await page.locator('#groups .gbtn').first().click();
  const member = page.locator('.member').filter({ hasText: 'uc-copy' }).last();
  const shown = await member.locator('.text[data-side="copy"] mark.passage').allTextContents();
  const shownSource = await member.locator('.text[data-side="source"] mark.passage').allTextContents();
  assert.deepEqual(shown, copy.passages.map((p) => chars(mine, p.start, p.end)));
  assert.deepEqual(shownSource, copy.passages.map((p) => chars(theirs, p.parent_start, p.parent_end)));
  const added = await member.locator('.text[data-side="copy"] ins.addition').allTextContents();
  assert.deepEqual(added, copy.additions.map((a) => chars(mine, a.start, a.end)));
  // and the whole text is there, once
  const visibleText = (el) => {
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let s = '';
    for (let n = walk.nextNode(); n; n = walk.nextNode()) if (!n.parentElement.closest('button')) s += n.data;
    return s;
  };
  assert.equal(await member.locator('.text[data-side="copy"]').evaluate(visibleText), mine);
  assert.equal(await member.locator('.text[data-side="source"]').evaluate(visibleText), theirs);
  assert.ok(shown[0].includes('\u{1F6A2}') && shown[0].includes('南京') && shown[0].includes('زاینده'));
});

test('markup in titles, outlets and texts shows as text', async (t) => {
  const page = await open(join(OUT, 'unicode.html'), t);
  await search(page, 'evil');
  await page.locator('#groups .gbtn').first().click();
  const group = page.locator('#groups .group').first();
  assert.equal(await group.locator('script, img, b').count(), 0, 'no element from the data');
  const text = await group.textContent();
  assert.ok(text.includes('<script>alert(1)</script>'), 'the script tag is shown as text');
  assert.ok(text.includes('<b>Evil</b> Gazette'), 'the outlet is shown as text');
  assert.ok(text.includes('</script><script>alert(4)</script>'), 'the title is shown as text');
});

test('same-story links jump to the other group', async (t) => {
  const html = readFileSync(join(OUT, 'report.html'), 'utf8');
  const { data } = readData(html);
  assert.ok(data.groups.length >= 2);
  const [a, b] = [data.groups[0], data.groups[data.groups.length - 1]];
  data.same_story = [{ group: a.id, other: b.id, articles: [a.members[0].id, b.members[0].id], score: 0.42, shared_terms: ['ferry', 'harbour'], days_apart: 1.5 }];
  a.same_story = [b.id];
  b.same_story = [a.id];
  const file = join(OUT, 'same-story.html');
  writeFileSync(file, withData(html, data));
  const page = await open(file, t);
  await search(page, a.id);
  await page.locator('#group-' + a.id + ' .gbtn').click();
  const link = page.locator('#group-' + a.id + ' .same a');
  assert.equal(await link.count(), 1, 'the link is shown');
  await link.click();
  const target = page.locator('#group-' + b.id);
  await target.waitFor();
  assert.equal(await target.locator('.gbtn').getAttribute('aria-expanded'), 'true', 'the other group is open');
  assert.ok(await target.locator('.gbtn').evaluate((el) => document.activeElement === el), 'and focused');
  assert.ok(page.url().endsWith('#group-' + b.id));
});

test('ten thousand groups open quickly, one page at a time', async (t) => {
  const html = readFileSync(join(OUT, 'report.html'), 'utf8');
  const { data } = readData(html);
  const base = data.groups;
  const groups = [];
  for (let i = 0; groups.length < 10000; i++) {
    const g = base[i % base.length];
    groups.push({ ...g, id: 'g' + (i + 1), same_story: [] });
  }
  data.groups = groups;
  data.same_story = [];
  const file = join(OUT, 'many.html');
  writeFileSync(file, withData(html, data));
  const started = Date.now();
  const page = await open(file, t);
  const ms = Date.now() - started;
  assert.equal(await page.locator('#groups .group').count(), 50, 'one page of 50 groups');
  assert.ok(ms < 5000, `opened in ${ms} ms`);
  const pager = page.locator('nav.pager').first();
  assert.match(await pager.textContent(), /Page 1 of 200/);
  await pager.getByRole('button', { name: 'Next page' }).click();
  assert.match(await pager.textContent(), /Page 2 of 200/);
  await search(page, 'g9999');
  await page.waitForFunction(() => document.querySelectorAll('#groups .group').length === 1);
  console.log(`# 10,000 groups: opened in ${ms} ms`);
});
