// audio.mjs: does a browser play an OnAir mount?
//
//   node e2e/audio.mjs http://127.0.0.1:PORT /stream
//
// Run by broadcast/browser_test.go against a server it started on loopback
// with a source on air. In headless Debian chromium, driven by
// playwright-core, it:
//
//  1. navigates to BASE/ and checks that a navigating browser gets the HTML
//     status page, and that the page lists the mount;
//  2. on that page (same origin), creates <audio src=BASE+mount> and
//     <audio src=BASE+"/">, calls play() on both, and waits (bounded) until
//     each one's currentTime is past 2 s with no error event: "/" must
//     stream to a media element even though it is a page to a navigation;
//  3. records the Content-Type the server sent for every request, so the
//     caller can see which request got the page and which got audio.
//
// It prints one JSON line on stdout ({"ok": true|false, ...}) and exits 0
// only when everything held. With ONAIR_E2E_SCREENSHOT=/path.png it also
// saves a screenshot of the status page while both elements play.
import { args, launchContext, run } from './lib.mjs';
import { join } from 'node:path';

const [base, mount] = args('audio.mjs BASE_URL /mount', 2, (a) => a[1].startsWith('/'));

const WANT_SECONDS = 2;       // currentTime each element must pass
const PLAY_TIMEOUT_MS = 30000; // for both elements together
const WATCHDOG_MS = 50000;     // the whole run, browser start included

const result = { ok: false, base, mount, page: null, audio: [], responses: [], console: [], error: null };

await run(result, WATCHDOG_MS, async () => {
  const context = await launchContext(['--headless', '--autoplay-policy=no-user-gesture-required'], {
    viewport: { width: 1000, height: 420 },
    timeout: 20000,
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('response', (r) => {
    const req = r.request();
    result.responses.push({
      url: r.url(),
      type: req.resourceType(),
      status: r.status(),
      contentType: r.headers()['content-type'] || '',
    });
  });
  page.on('console', (m) => {
    if (m.type() === 'error') result.console.push(m.text() + (m.location().url ? ` (${m.location().url})` : ''));
  });
  page.on('pageerror', (e) => { result.console.push('pageerror: ' + e.message); });

  // 1. A navigating browser gets the status page at "/".
  const nav = await page.goto(base + '/', { waitUntil: 'domcontentloaded', timeout: 20000 });
  result.page = await page.evaluate((mount) => {
    const row = [...document.querySelectorAll('[data-mount]')].find((el) => el.dataset.mount === mount);
    return {
      contentType: document.contentType,
      title: document.title,
      heading: document.querySelector('h1')?.textContent ?? null,
      mountRow: row ? row.innerText.replace(/\s+/g, ' ').trim() : null,
      mountLink: !!(row && row.querySelector(`a[href="${mount}"]`)),
      mountPlayer: !!(row && row.querySelector('audio')),
    };
  }, mount);
  result.page.status = nav ? nav.status() : null;
  result.page.headerContentType = nav ? (nav.headers()['content-type'] || '') : '';
  const p = result.page;
  if (p.status !== 200 || !p.headerContentType.startsWith('text/html') || p.contentType !== 'text/html') {
    throw new Error(`GET / as a navigation: status ${p.status}, Content-Type ${JSON.stringify(p.headerContentType)}, document ${p.contentType}`);
  }
  if (!p.mountRow || !p.mountLink) {
    throw new Error(`the status page does not list ${mount} as on air`);
  }

  // 2. Two <audio> elements on that page: the mount, and "/".
  // play() is not awaited: a promise that never settles must not hang the
  // run; its outcome is part of each snapshot instead.
  await page.evaluate(({ base, mount }) => {
    window.__onair = [];
    for (const [id, src] of [['mount', base + mount], ['root', base + '/']]) {
      const a = document.createElement('audio');
      a.id = 'e2e-' + id;
      a.src = src;
      a.preload = 'auto';
      const rec = { id, src, play: 'pending', errors: [], events: [], t0: performance.now() };
      window.__onair.push({ a, rec });
      a.addEventListener('error', () => rec.errors.push(a.error ? `code ${a.error.code}: ${a.error.message}` : 'error'));
      for (const ev of ['loadedmetadata', 'playing', 'stalled', 'ended']) {
        a.addEventListener(ev, () => rec.events.push(ev));
      }
      document.body.appendChild(a);
      a.play().then(
        () => { rec.play = 'resolved'; },
        (e) => { rec.play = 'rejected: ' + e.name + ': ' + e.message; },
      );
    }
  }, { base, mount });

  const snapshot = () => page.evaluate(() => window.__onair.map(({ a, rec }) => ({
    ...rec,
    currentTime: a.currentTime,
    wallSeconds: (performance.now() - rec.t0) / 1000,
    paused: a.paused,
    readyState: a.readyState,
    networkState: a.networkState,
  })));

  const deadline = Date.now() + PLAY_TIMEOUT_MS;
  let snap = await snapshot();
  for (let i = 0; i < 200 && Date.now() < deadline; i++) {
    if (snap.some((s) => s.errors.length > 0)) break;
    if (snap.every((s) => s.currentTime > WANT_SECONDS)) break;
    await page.waitForTimeout(250);
    snap = await snapshot();
  }
  result.audio = snap;

  // The server's view while both play: how many listeners on the mount.
  result.listeners = await page.evaluate(async ({ base, mount }) => {
    const r = await fetch(base + '/status-json.xsl', { cache: 'no-store' });
    const j = await r.json();
    const src = j.icestats.source.find((s) => new URL(s.listenurl).pathname === mount);
    return src ? src.listeners : null;
  }, { base, mount });

  if (process.env.ONAIR_E2E_SCREENSHOT) {
    await page.screenshot({ path: process.env.ONAIR_E2E_SCREENSHOT, fullPage: true });
    result.screenshot = process.env.ONAIR_E2E_SCREENSHOT;
  }

  const bad = result.audio.filter((s) => s.errors.length > 0 || !(s.currentTime > WANT_SECONDS) || s.play !== 'resolved');
  if (bad.length > 0) {
    throw new Error('not playing: ' + bad.map((s) =>
      `${s.id} (${s.src}) currentTime ${s.currentTime.toFixed(2)} play ${s.play} errors ${JSON.stringify(s.errors)}`).join('; '));
  }
});
