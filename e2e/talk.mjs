// talk.mjs: talking on air from the console page, over HTTPS.
//
//   node e2e/talk.mjs https://127.0.0.1:PORT USERNAME PASSWORD TONE.wav
//
// Run by cmd/onair/talk_console_test.go against a binary serving HTTPS
// with a self-signed certificate and a station whose mic is the browser's.
// Chromium's fake microphone plays TONE.wav. In headless chromium, driven
// by playwright-core, it:
//
//  1. opens /console over HTTPS (the certificate is not trusted: the
//     context ignores that, as a DJ who accepted it would) and logs in;
//  2. holds "Push to Talk" with the mouse and, while it is held, closes
//     the page: talk must be released by the server (the page's lease);
//  3. on a new page, turns on "Talk from this browser", holds "Push to
//     Talk" for about six seconds (the Go test hears the tone on air) and
//     releases it;
//  4. with the mic still on, holds "Push to Talk" and closes the page
//     mid-talk: talk must be released again.
//
// Talk is read from GET /api/stations/main/mixer on another page of the
// same session. It prints one JSON line ({"ok": true|false, ...}) and exits
// 0 only when everything held; ONAIR_E2E_SHOTS=/dir keeps screenshots.
import { args, launchContext, run, shooter, waitFor } from './lib.mjs';

const [base, username, password, tone] = args('talk.mjs BASE_URL USERNAME PASSWORD TONE_WAV', 4);

const WATCHDOG_MS = 100000;
const result = { ok: false, steps: [], talk: {}, released_ms: [], console: [], error: null };
let context;

const shot = shooter('talk-');

// talking asks the server, from the watcher page, whether talk is on.
async function talking(watcher) {
  return watcher.evaluate(async () => {
    const r = await fetch('/api/stations/main/mixer', { credentials: 'same-origin' });
    return (await r.json()).talking;
  });
}

function watch(page) {
  page.on('console', (m) => result.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => result.console.push(`pageerror: ${e.message}`));
}

// openConsole opens the console on a new page, logging in if asked.
async function openConsole() {
  const page = await context.newPage();
  watch(page);
  // The page holds its lease once its /talk socket has sent the mixer's
  // state: presses go over that socket from then on.
  let leased = false;
  page.on('websocket', (ws) => {
    if (new URL(ws.url()).pathname.endsWith('/talk')) ws.on('framereceived', () => { leased = true; });
  });
  await page.goto(`${base}/console`);
  const user = page.getByLabel('Username');
  const ptt = page.getByRole('button', { name: 'Push to Talk' });
  await waitFor('the login form or the console', async () => (await user.isVisible()) || (await ptt.isVisible()));
  if (await user.isVisible()) {
    await user.fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  }
  await ptt.waitFor({ state: 'visible' });
  await waitFor('the page\'s talk lease', async () => leased, 20000);
  return page;
}

// closeWhileTalking holds Push to Talk on page, closes the page and
// measures how long the server takes to release talk.
async function closeWhileTalking(page, watcher, name) {
  const ptt = page.getByRole('button', { name: 'Push to Talk' });
  await ptt.hover();
  await page.mouse.down();
  await waitFor('Push to Talk pressed', async () => (await ptt.getAttribute('aria-pressed')) === 'true');
  await waitFor('talk on at the server', async () => talking(watcher));
  await shot(page, `${name}-talking`);
  const closed = Date.now();
  await page.close({ runBeforeUnload: false });
  await waitFor('talk released after the page closed', async () => !(await talking(watcher)), 8000, 50);
  result.released_ms.push(Date.now() - closed);
}

await run(result, WATCHDOG_MS, async () => {
  context = await launchContext([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${tone}`,
    '--autoplay-policy=no-user-gesture-required',
  ], {
    ignoreHTTPSErrors: true,
    viewport: { width: 1000, height: 900 },
  });
  await context.grantPermissions(['microphone'], { origin: base });
  const first = context.pages()[0];
  if (first) await first.close();

  let page = await openConsole();
  const watcher = await context.newPage();
  watch(watcher);
  await watcher.goto(`${base}/console`);
  if (!base.startsWith('https:') || !(await page.evaluate(() => window.isSecureContext))) {
    throw new Error('the console is not on a secure HTTPS page');
  }
  result.steps.push('login over https');

  await closeWhileTalking(page, watcher, 'lease');
  result.steps.push('closed while talking');

  page = await openConsole();
  const mic = page.getByRole('button', { name: 'Talk from this browser' });
  await mic.click();
  await waitFor('the browser mic on', async () => (await mic.getAttribute('aria-pressed')) === 'true');
  // Its input shows on the mic input meter before any talk.
  await waitFor('the mic input meter', async () => page.evaluate(() => Number(document.getElementById('m-mic_input').value) > -30));
  await shot(page, 'mic-on');
  const ptt = page.getByRole('button', { name: 'Push to Talk' });
  await page.waitForTimeout(2000); // the air before talk, for the Go test
  await ptt.hover();
  await page.mouse.down();
  result.talk.down = Date.now();
  await waitFor('Push to Talk pressed', async () => (await ptt.getAttribute('aria-pressed')) === 'true');
  await page.waitForTimeout(6000);
  await shot(page, 'mic-talking');
  await page.mouse.up();
  result.talk.up = Date.now();
  await waitFor('Push to Talk released', async () => (await ptt.getAttribute('aria-pressed')) === 'false');
  await waitFor('talk off at the server', async () => !(await talking(watcher)));
  result.steps.push('talked through the browser mic');
  await page.waitForTimeout(2000); // the air after talk

  await closeWhileTalking(page, watcher, 'mic');
  result.steps.push('closed while talking on the browser mic');
});
