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
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, username, password] = process.argv.slice(2);
if (!base || !username || !password) {
  console.error('usage: node console.mjs BASE_URL USERNAME PASSWORD');
  process.exit(2);
}

const WATCHDOG_MS = 80000;
const result = { ok: false, steps: [], title: null, next: null, meters: {}, console: [], error: null };
const profile = mkdtempSync(join(tmpdir(), 'onair-e2e-profile-'));
const shots = process.env.ONAIR_E2E_SHOTS;
let context;

function finish(code) {
  console.log(JSON.stringify(result));
  try { rmSync(profile, { recursive: true, force: true }); } catch { /* best effort */ }
  process.exit(code);
}

const watchdog = setTimeout(() => {
  result.error = result.error || `watchdog: no verdict after ${WATCHDOG_MS} ms`;
  finish(1);
}, WATCHDOG_MS);

async function shot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, `console-${name}.png`), fullPage: true });
}

// musicPeak reads the music meter's value (dBFS, -60 at the bottom).
async function musicPeak(page) {
  return page.evaluate(() => Number(document.getElementById('m-music').value));
}

// waitFor polls fn until it returns true, or fails after ms.
async function waitFor(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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

  result.ok = true;
} catch (err) {
  result.error = String(err && err.stack || err);
} finally {
  clearTimeout(watchdog);
  try { await context?.close(); } catch { /* best effort */ }
  finish(result.ok ? 0 : 1);
}
