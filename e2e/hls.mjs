// hls.mjs: does hls.js in a browser play an OnAir mount's HLS playlist?
//
//   node e2e/hls.mjs http://127.0.0.1:PORT /stream "expected title"
//
// Run by broadcast/hls_browser_test.go against a server it started on
// loopback with a source on air. In headless Debian chromium, driven by
// playwright-core, it loads hls.js into a blank page (another origin than
// the server's, so CORS must be open), attaches BASE+mount+".m3u8" to an
// <audio> element and plays it, then waits (bounded) until currentTime is
// past 6 s (three segments of 2 s) and the title has arrived as an ID3
// TIT2 cue in the element's metadata text track, as hls.js turns each
// segment's ID3 tag into timed metadata.
//
// It prints one JSON line on stdout ({"ok": true|false, ...}) and exits 0
// only when everything held.
import { args, launchContext, run } from './lib.mjs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [base, mount, title] = args('hls.mjs BASE_URL /mount TITLE', 3, (a) => a[1].startsWith('/'));

const WANT_SECONDS = 6;
const PLAY_TIMEOUT_MS = 40000;
const WATCHDOG_MS = 60000;

const result = { ok: false, base, mount, play: null, currentTime: 0, titles: [], errors: [], frags: 0, console: [], error: null };

await run(result, WATCHDOG_MS, async () => {
  const context = await launchContext(['--headless', '--autoplay-policy=no-user-gesture-required'], { timeout: 20000 });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') result.console.push(m.text());
  });
  page.on('pageerror', (e) => { result.console.push('pageerror: ' + e.message); });
  await page.setContent('<!doctype html><title>hls</title><body></body>');
  const here = dirname(fileURLToPath(import.meta.url));
  await page.addScriptTag({ path: join(here, 'node_modules', 'hls.js', 'dist', 'hls.min.js') });

  const supported = await page.evaluate(() => window.Hls && window.Hls.isSupported());
  if (!supported) throw new Error('hls.js says this chromium has no Media Source Extensions');

  await page.evaluate((url) => {
    const rec = { play: 'pending', errors: [], titles: [], frags: 0 };
    const a = document.createElement('audio');
    document.body.appendChild(a);
    const hls = new window.Hls({ enableID3MetadataCues: true });
    hls.on(window.Hls.Events.ERROR, (_, d) => { if (d.fatal) rec.errors.push(`${d.type}: ${d.details}`); });
    hls.on(window.Hls.Events.FRAG_LOADED, () => { rec.frags++; });
    a.textTracks.addEventListener('addtrack', (e) => {
      const track = e.track;
      if (track.kind !== 'metadata') return;
      track.mode = 'hidden';
      track.addEventListener('cuechange', () => {
        for (const cue of track.activeCues || []) {
          if (cue.value && cue.value.key === 'TIT2' && !rec.titles.includes(cue.value.data)) rec.titles.push(cue.value.data);
        }
      });
    });
    hls.loadSource(url);
    hls.attachMedia(a);
    a.play().then(() => { rec.play = 'resolved'; }, (e) => { rec.play = 'rejected: ' + e.name + ': ' + e.message; });
    window.__onair = { a, rec };
  }, base + mount + '.m3u8');

  const snapshot = () => page.evaluate(() => ({ ...window.__onair.rec, currentTime: window.__onair.a.currentTime }));
  const deadline = Date.now() + PLAY_TIMEOUT_MS;
  let snap = await snapshot();
  for (let i = 0; i < 400 && Date.now() < deadline; i++) {
    if (snap.errors.length > 0) break;
    if (snap.currentTime > WANT_SECONDS && snap.titles.includes(title)) break;
    await page.waitForTimeout(250);
    snap = await snapshot();
  }
  Object.assign(result, snap);
  if (snap.errors.length > 0) throw new Error(`hls.js failed: ${snap.errors.join('; ')}`);
  if (snap.currentTime <= WANT_SECONDS) throw new Error(`currentTime ${snap.currentTime} did not pass ${WANT_SECONDS} s (play() ${snap.play})`);
  if (!snap.titles.includes(title)) throw new Error(`no TIT2 cue ${JSON.stringify(title)}, got ${JSON.stringify(snap.titles)}`);
});
