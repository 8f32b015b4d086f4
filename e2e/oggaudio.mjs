// oggaudio.mjs: does a browser's <audio> play an Ogg mount across chains?
//
//   node e2e/oggaudio.mjs http://127.0.0.1:PORT /long.opus 20 /short.ogg 4
//
// Run by broadcast/ogg_browser_test.go against a server it started on
// loopback, whose source starts a new Ogg chain at every track. In
// headless Debian chromium it opens BASE/ (for the same origin), then
// plays one <audio> element per mount at once, and polls (bounded) until
// each one's currentTime is past its seconds, or one reports an error.
// It records each element's events (error, stalled, waiting, ended,
// emptied) with the currentTime at which they came, and the currentTime
// against wall time every half second.
//
// It prints one JSON line on stdout ({"ok": true|false, ...}) and exits 0
// only when every element passed its seconds with no error or ended.
import { args, launchContext, run } from './lib.mjs';

const a = args('oggaudio.mjs BASE_URL /mount seconds [/mount seconds]…', 3,
  (a) => a.length % 2 === 1 && a.slice(1).every((v, i) => (i % 2 === 0 ? v.startsWith('/') : Number(v) > 0)));
const base = a[0];
const want = [];
for (let i = 1; i < a.length; i += 2) want.push({ mount: a[i], seconds: Number(a[i + 1]) });
const longest = Math.max(...want.map((w) => w.seconds));

const PLAY_TIMEOUT_MS = (longest + 12) * 1000; // start-up and buffering on a loaded machine
const WATCHDOG_MS = PLAY_TIMEOUT_MS + 25000;   // the whole run, browser start included

const result = { ok: false, base, audio: [], error: null };

await run(result, WATCHDOG_MS, async () => {
  const context = await launchContext(['--headless', '--autoplay-policy=no-user-gesture-required'], { timeout: 20000 });
  const page = context.pages()[0] || await context.newPage();
  await page.goto(base + '/', { waitUntil: 'domcontentloaded', timeout: 20000 });
  await page.evaluate(({ base, want }) => {
    window.__onair = [];
    for (const { mount, seconds } of want) {
      const a = document.createElement('audio');
      a.src = base + mount;
      a.preload = 'auto';
      const rec = { mount, seconds, play: 'pending', errors: [], events: [], trace: [], t0: performance.now() };
      window.__onair.push({ a, rec });
      a.addEventListener('error', () => rec.errors.push(a.error ? `code ${a.error.code}: ${a.error.message}` : 'error'));
      for (const ev of ['playing', 'stalled', 'waiting', 'ended', 'emptied', 'durationchange']) {
        a.addEventListener(ev, () => rec.events.push(`${ev}@${a.currentTime.toFixed(2)}`));
      }
      document.body.appendChild(a);
      a.play().then(
        () => { rec.play = 'resolved'; },
        (e) => { rec.play = 'rejected: ' + e.name + ': ' + e.message; },
      );
    }
  }, { base, want });

  const snapshot = () => page.evaluate(() => window.__onair.map(({ a, rec }) => {
    rec.trace.push([Number(((performance.now() - rec.t0) / 1000).toFixed(1)), Number(a.currentTime.toFixed(2))]);
    return { ...rec, currentTime: a.currentTime, paused: a.paused, ended: a.ended, readyState: a.readyState };
  }));
  const deadline = Date.now() + PLAY_TIMEOUT_MS;
  let snap = await snapshot();
  for (let i = 0; i < 400 && Date.now() < deadline; i++) {
    if (snap.some((s) => s.errors.length > 0 || s.ended)) break;
    if (snap.every((s) => s.currentTime > s.seconds)) break;
    await page.waitForTimeout(500);
    snap = await snapshot();
  }
  result.audio = snap;
  const bad = snap.filter((s) => s.errors.length > 0 || s.ended || !(s.currentTime > s.seconds) || s.play !== 'resolved');
  if (bad.length > 0) {
    throw new Error('not playing: ' + bad.map((s) =>
      `${s.mount} currentTime ${s.currentTime.toFixed(2)} of ${s.seconds}, play ${s.play}, ended ${s.ended}, errors ${JSON.stringify(s.errors)}, events ${s.events.join(' ')}`).join('; '));
  }
});
