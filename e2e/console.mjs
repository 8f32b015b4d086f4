// console.mjs: the DJ console in a browser.
//
//   node e2e/console.mjs http://127.0.0.1:PORT USERNAME PASSWORD
//
// Run by cmd/onair/console_test.go against a binary it started with a
// station playing a tone. In headless Debian chromium, driven by
// playwright-core, it:
//
//  1. opens /console, fills the "Username" and "Password" fields and logs in;
//  2. waits for the station's title, and what plays next, under On air;
//  3. reads the music meter, holds the "Push to Talk" button with the mouse
//     and waits for the button to show pressed and the music meter to drop
//     by at least 6 dB; releases it and waits for the meter to come back;
//  4. presses "Lock" and checks the button shows pressed, then releases it.
//
// It prints one JSON line on stdout ({"ok": true|false, ...}) and exits 0
// only when everything held. With ONAIR_E2E_SHOTS=/dir it saves a
// screenshot of each step there.
import { args, launchContext, run, shooter, waitFor } from './lib.mjs';

const [base, username, password] = args('console.mjs BASE_URL USERNAME PASSWORD', 3);

const WATCHDOG_MS = 80000;
const result = { ok: false, steps: [], title: null, next: null, meters: {}, console: [], error: null };

const shot = shooter('console-');

// musicPeak reads the music meter's value (dBFS, -60 at the bottom).
async function musicPeak(page) {
  return page.evaluate(() => Number(document.getElementById('m-music').value));
}

await run(result, WATCHDOG_MS, async () => {
  const context = await launchContext([], {
    viewport: { width: 1000, height: 900 },
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => result.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => result.console.push(`pageerror: ${e.message}`));

  await page.goto(`${base}/console`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await shot(page, 'login');
  await page.getByRole('button', { name: 'Log in' }).click();
  result.steps.push('login');

  await waitFor('the title on air', async () => {
    const t = await page.locator('#np-title').textContent();
    return t && t !== '…';
  });
  result.title = await page.locator('#np-title').textContent();
  await waitFor('what plays next', async () => ((await page.locator('#np-next').textContent()) || '').includes('Tone'));
  result.next = await page.locator('#np-next').textContent();
  await waitFor('the music meter', async () => (await musicPeak(page)) > -40);
  await page.waitForTimeout(1000);
  result.meters.before = await musicPeak(page);
  await shot(page, 'onair');
  result.steps.push('on air');

  const ptt = page.getByRole('button', { name: 'Push to Talk' });
  await ptt.hover();
  await page.mouse.down();
  await waitFor('Push to Talk pressed', async () => (await ptt.getAttribute('aria-pressed')) === 'true');
  await waitFor('the music meter to drop', async () => (await musicPeak(page)) < result.meters.before - 6);
  await page.waitForTimeout(1000); // the rest of the fade
  result.meters.talking = await musicPeak(page);
  await shot(page, 'talking');
  await page.mouse.up();
  await waitFor('Push to Talk released', async () => (await ptt.getAttribute('aria-pressed')) === 'false');
  await waitFor('the music meter to come back', async () => (await musicPeak(page)) > result.meters.before - 1);
  result.meters.after = await musicPeak(page);
  result.steps.push('push to talk');

  const lock = page.getByRole('button', { name: 'Lock' });
  await lock.click();
  await waitFor('Lock pressed', async () => (await lock.getAttribute('aria-pressed')) === 'true');
  await shot(page, 'locked');
  await lock.click();
  await waitFor('Lock released', async () => (await lock.getAttribute('aria-pressed')) === 'false');
  result.steps.push('lock');
});
