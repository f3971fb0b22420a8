// Drives the page of `reprint serve` in headless Chromium (Debian's
// `chromium`, through playwright-core): an editor pastes seed 002 into the
// page of a server over an index of seeds 000, 001 and 003, and sees the
// verdict naming 001's group, the copied passages highlighted on both
// sides, the additions marked and the group's timeline.
//
//   cd tests/browser && npm ci && npm test
//
// Builds the debug binary (cargo build), makes the index in a temporary
// folder, starts the server on a free loopback port, and saves
// target/browser/serve.png for reviewers. CHROMIUM=/path/to/chromium
// overrides the browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'target', 'browser');
const BIN = join(ROOT, 'target', 'debug', 'reprint');
const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const SEEDS = ['000_c4dc295e8e3c2857.txt', '001_ccead0fa9a0ce5d9.txt', '003_0fbf59b2bd68eeed.txt']
  .map((f) => 'corpus/seeds/' + f);
const SEED_001 = 'corpus/seeds/001_ccead0fa9a0ce5d9.txt';
const SEED_002 = join(ROOT, 'corpus/seeds/002_60d291753dd6023b.txt');

let browser;
let server;
let base;
let work;

function reprint(args) {
  execFileSync(BIN, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

// Starts `reprint serve` on a free port; resolves with its base URL.
function serve(index) {
  return new Promise((resolveUrl, reject) => {
    const child = spawn(BIN, ['serve', '--index', index, '--addr', '127.0.0.1:0', '--read-only', '--max-body', '1M', '-q'], {
      cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'],
    });
    server = child;
    let err = '';
    const timer = setTimeout(() => reject(new Error('reprint serve did not start:\n' + err)), 60000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      err += chunk;
      const m = err.match(/listening on (http:\/\/[0-9.:]+)\//);
      if (m && !base) {
        clearTimeout(timer);
        resolveUrl(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!base) reject(new Error('reprint serve exited with ' + code + ':\n' + err));
    });
  });
}

const chars = (s, a, b) => Array.from(s).slice(a, b).join('');

// A page that fails the test on any console error, page error, dialog or
// request that leaves the server.
async function open(t, allowed = []) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !allowed.some((re) => re.test(msg.text()))) problems.push('console: ' + msg.text());
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('dialog', (d) => { problems.push('dialog: ' + d.message()); d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith(base + '/')) problems.push('request: ' + r.url()); });
  t.after(async () => {
    await page.close();
    assert.deepEqual(problems, [], 'no console errors, page errors, dialogs or requests elsewhere');
  });
  const response = await page.goto(base + '/');
  const csp = response.headers()['content-security-policy'] || '';
  assert.match(csp, /default-src 'none'/, 'the page has a content security policy');
  await page.waitForFunction(() => /\d+ articles?/.test(document.getElementById('index-info').textContent));
  return page;
}

async function api(path, options) {
  const r = await fetch(base + path, options);
  return r.json();
}

before(async () => {
  mkdirSync(OUT, { recursive: true });
  execFileSync('cargo', ['build', '--quiet'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  work = mkdtempSync(join(tmpdir(), 'reprint-serve-browser-'));
  const index = join(work, 'seeds.db');
  reprint(['index', 'create', index]);
  reprint(['index', 'add', '-q', index, ...SEEDS]);
  base = await serve(index);
  browser = await chromium.launch({ executablePath: EXECUTABLE, args: ARGS, headless: true });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('pasting seed 002 names the group of 001 and highlights the copied passages', async (t) => {
  const page = await open(t);
  const text = readFileSync(SEED_002, 'utf8');
  const expected = await api('/v1/articles/' + encodeURIComponent(SEED_001));
  const check = await api('/v1/check?limit=20', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text }),
  });
  assert.equal(check.matches[0].id, SEED_001);

  await page.fill('#story', text);
  await page.click('#go');
  const verdict = page.locator('#verdict');
  await page.waitForFunction(() => document.getElementById('verdict').textContent.length > 0);
  const words = await verdict.textContent();
  assert.match(words, /^Copied: this story is an edited copy of a story in group /);
  assert.ok(words.includes(expected.group), `the verdict "${words}" names ${expected.group}`);
  assert.ok(await verdict.evaluate((el) => document.activeElement === el), 'the verdict takes the focus');
  await page.waitForFunction(() => !document.querySelector('#verdict-detail .loading'));
  assert.match(await page.textContent('#verdict-detail'), /The original: |original is not in the index/);

  // the matches, the first chosen
  const first = page.locator('#matches .match').first();
  assert.equal(await first.getAttribute('aria-pressed'), 'true');
  assert.ok((await first.textContent()).includes(SEED_001));

  // side by side: the copied passages in both texts, at the right characters
  await page.waitForSelector('#theirs mark.passage');
  const mine = await page.locator('#mine mark.passage').allTextContents();
  const theirs = await page.locator('#theirs mark.passage').allTextContents();
  const passages = check.matches[0].passages;
  assert.ok(passages.length >= 1);
  assert.deepEqual(mine, passages.map((p) => chars(text, p.start, p.end)));
  assert.deepEqual(theirs, passages.map((p) => chars(expected.text, p.parent_start, p.parent_end)));
  const bg = await page.locator('#mine mark.passage').first().evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(bg, 'rgba(0, 0, 0, 0)', 'a passage has a highlight colour');
  assert.ok(await page.locator('#mine ins.addition').count() >= 1, 'what the story adds is marked');
  const label = await page.locator('#mine ins.addition').first().evaluate((el) => getComputedStyle(el, '::before').content);
  assert.equal(label, '"not in the match"');

  // a passage number jumps to the same passage in the other text
  const last = passages.length;
  await page.locator('#mine button.pnum').nth(last - 1).focus();
  assert.equal(await page.locator('#compare mark.passage.active').count(), 2, 'focus lights the passage on both sides');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => {
    const pane = document.getElementById('theirs');
    const m = pane.querySelectorAll('mark.passage');
    const target = m[m.length - 1].getBoundingClientRect();
    const box = pane.getBoundingClientRect();
    return target.top >= box.top - 1 && target.top < box.bottom;
  });

  // the group's timeline
  await page.waitForSelector('#timeline:not([hidden])');
  assert.ok((await page.textContent('#timeline')).includes(expected.title || SEED_001));
  assert.equal(await page.locator('#same').isHidden(), true, 'no same-story links: the section stays hidden');

  // the picture for reviewers: both texts from their start
  await page.evaluate(() => {
    document.activeElement.blur();
    document.querySelectorAll('.text').forEach((el) => { el.scrollTop = 0; });
    window.scrollTo(0, 0);
  });
  await page.screenshot({ path: join(OUT, 'serve.png'), fullPage: true });
});

test('keyboard only: paste, Ctrl+Enter, choose a match with Enter', async (t) => {
  const page = await open(t);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'story', 'Tab reaches the paste box after the skip link');
  await page.keyboard.insertText(readFileSync(SEED_002, 'utf8'));
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#matches .match');
  await page.locator('#matches .match').first().focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#theirs mark.passage');
  assert.equal(await page.locator('#matches .match').first().getAttribute('aria-pressed'), 'true');
});

test('a dropped file is checked; a story with no copy says so', async (t) => {
  const page = await open(t);
  const text = readFileSync(SEED_002, 'utf8');
  await page.evaluate((content) => {
    const dt = new DataTransfer();
    dt.items.add(new File([content], '002.txt', { type: 'text/plain' }));
    const story = document.getElementById('story');
    story.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text);
  await page.waitForSelector('#matches .match');
  assert.equal(await page.inputValue('#story'), text);
  assert.match(await page.textContent('#verdict'), /^Copied/);

  await page.fill('#story', 'A council meeting about parking permits was held on Tuesday evening in the small town hall, and nothing else happened.');
  await page.keyboard.press('Tab');
  await page.click('#go');
  await page.waitForFunction(() => document.getElementById('verdict').textContent === 'No copy found');
  assert.equal(await page.locator('#matches-box').isHidden(), true);
});

test('errors from the server are shown in words', async (t) => {
  // the browser reports the refused request on its console: expected here
  const page = await open(t, [/status of 413/]);
  await page.fill('#story', '   ');
  await page.click('#go');
  assert.match(await page.textContent('#status'), /Paste a story first/);
  // a story over the server's --max-body (1 MiB here) is refused in words
  await page.fill('#story', 'word '.repeat(220 * 1024));
  await page.click('#go');
  await page.waitForFunction(() => document.getElementById('status').classList.contains('error'));
  assert.match(await page.textContent('#status'), /Could not check the story: the request body is larger/);
});
