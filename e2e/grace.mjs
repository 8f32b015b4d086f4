// grace.mjs: how does a browser's <audio> live through its source leaving?
//
//   node e2e/grace.mjs http://127.0.0.1:PORT /mount SECONDS
//
// Run by broadcast/grace_players_test.go, which takes the mount's source
// away and brings another back while this plays. In headless Debian
// chromium, driven by playwright-core, it opens BASE/ (so the element is
// same-origin), plays <audio src=BASE+mount> for SECONDS, and records every
// 250 ms the element's currentTime, paused, ended and readyState, each
// media event (waiting, stalled, playing, ended, error …) with when it
// came, and every request for the mount. It prints one JSON line and exits
// 0 once it has watched for SECONDS, whatever the element did: the caller
// judges.
import { args, launchContext, run } from './lib.mjs';

const [base, mount, secondsArg] = args('grace.mjs BASE_URL /mount SECONDS (1–120)', 3,
  (a) => a[1].startsWith('/') && Number(a[2]) > 0 && Number(a[2]) <= 120);
const seconds = Number(secondsArg);

const result = { ok: false, samples: [], events: [], requests: [], error: null };

await run(result, (seconds + 40) * 1000, async () => {
  const context = await launchContext(['--headless', '--autoplay-policy=no-user-gesture-required'], {
    timeout: 20000,
  });
  const page = context.pages()[0] || await context.newPage();
  const started = Date.now();
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === mount) result.requests.push({ at: Date.now() - started, method: r.method() });
  });
  await page.goto(base + '/', { waitUntil: 'domcontentloaded', timeout: 15000 });
  await page.evaluate((src) => {
    const a = document.createElement('audio');
    a.id = 'grace';
    window.graceEvents = [];
    const t0 = performance.now();
    for (const e of ['waiting', 'stalled', 'playing', 'ended', 'error', 'emptied', 'abort', 'pause']) {
      a.addEventListener(e, () => window.graceEvents.push({ at: Math.round(performance.now() - t0), event: e }));
    }
    window.graceStart = t0;
    a.src = src;
    document.body.appendChild(a);
    a.play().catch((err) => window.graceEvents.push({ at: Math.round(performance.now() - t0), event: 'play() ' + err.name }));
  }, base + mount);
  for (let i = 0; i < seconds * 4; i++) {
    await page.waitForTimeout(250);
    result.samples.push(await page.evaluate(() => {
      const a = document.getElementById('grace');
      return {
        at: Math.round(performance.now() - window.graceStart),
        currentTime: a.currentTime, paused: a.paused, ended: a.ended, readyState: a.readyState,
      };
    }));
  }
  result.events = await page.evaluate(() => window.graceEvents);
});
