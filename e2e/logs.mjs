// logs.mjs: the console's Logs view in a browser.
//
//   node e2e/logs.mjs http://127.0.0.1:PORT ADMIN_USER ADMIN_PASS SIGNAL_DIR AGENT1 AGENT2
//
// Run by cmd/onair/logs_test.go against a binary it started, after a
// source tried a wrong password. The Go test makes a listener visit with
// user agent AGENTn when this script writes SIGNAL_DIR/ready-n. In
// headless Debian chromium, driven by playwright-core, it:
//
//  1. logs in as the admin and opens Logs from the navigation; waits for
//     the error log's startup line ("on air") and the refused source's
//     WARN line, and reads both lines' level colours;
//  2. types in the filter box and counts the lines left, then clears it;
//  3. switches to the Access tab, asks for listener 1 and waits for its
//     line to appear live at the bottom, the markup in AGENT1 as text;
//  4. pauses, asks for listener 2, sees the server log it (GET /api/logs)
//     while the page holds it back, then resumes and sees it;
//  5. takes screenshots at 1000 px, and at 390 px where it measures
//     overflow;
//  6. leaves the view for Studio.
//
// It prints one JSON line on stdout ({"ok": true|false, ...}) and exits 0
// only when everything held. With ONAIR_E2E_SHOTS=/dir it saves
// screenshots named logs-*.png there.
import { args, launch, run, shooter, waitFor } from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, adminUser, adminPass, signals, agent1, agent2] = args('logs.mjs BASE_URL ADMIN_USER ADMIN_PASS SIGNAL_DIR AGENT1 AGENT2', 6);

const WATCHDOG_MS = 100000;
const result = { ok: false, steps: [], error: null, console: [], dialogs: [], errors: {}, access: {}, phone: {} };

const shot = shooter('logs-');

// ask has the Go test make listener n's visit.
const ask = (n) => writeFileSync(join(signals, `ready-${n}`), '');

await run(result, WATCHDOG_MS, async () => {
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => result.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => result.console.push(`pageerror: ${e.message}`));
  page.on('dialog', async (d) => { result.dialogs.push(`${d.type()}: ${d.message()}`); await d.dismiss(); });

  await page.goto(`${base}/console`);
  await page.getByLabel('Username').fill(adminUser);
  await page.getByLabel('Password').fill(adminPass);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('link', { name: 'Logs' }).click();
  await waitFor('the Logs view', () => page.locator('#logs').isVisible());

  const lines = page.locator('#log-lines .log-line');
  const onAir = lines.filter({ has: page.locator('.log-msg', { hasText: /^on air$/ }) }).first();
  const warn = lines.filter({ hasText: 'bad password' }).first();
  await waitFor('the startup line', async () => (await onAir.count()) === 1);
  await waitFor('the refused source\'s warning', async () => (await warn.count()) === 1);
  const e = result.errors;
  e.lines = await lines.count();
  e.onAir = await onAir.textContent();
  e.warn = await warn.textContent();
  e.onAirLevel = await onAir.locator('.log-level').textContent();
  e.warnLevel = await warn.locator('.log-level').textContent();
  const color = (l) => l.locator('.log-level').evaluate((n) => getComputedStyle(n).color);
  e.infoColor = await color(onAir);
  e.warnColor = await color(warn);
  await shot(page, 'error');
  result.steps.push('error log');

  e.filter = 'bad password';
  await page.getByLabel('Filter').fill(e.filter);
  const visible = lines.filter({ visible: true });
  await waitFor('the filter to apply', async () => !(await onAir.isVisible()));
  e.visible = await visible.count();
  e.matching = await visible.filter({ hasText: e.filter }).count();
  e.onAirHidden = !(await onAir.isVisible());
  e.filterStatus = await page.locator('#log-status').textContent();
  await shot(page, 'filtered');
  await page.getByLabel('Filter').fill('');
  await waitFor('the filter to clear', () => onAir.isVisible());
  result.steps.push('filter');

  const tab = page.getByRole('tab', { name: 'Access log' });
  await tab.click();
  const a = result.access;
  a.tabSelected = await tab.getAttribute('aria-selected');
  ask(1);
  const line1 = lines.filter({ hasText: 'logs-e2e-1' });
  await waitFor('listener 1\'s line to appear live', async () => (await line1.count()) === 1, 15000);
  a.line1 = await line1.textContent();
  a.line1Last = await line1.evaluate((n) => n === n.parentElement.lastElementChild);
  a.imgs = await page.locator('#logs img').count();
  await shot(page, 'access');
  result.steps.push('access line live');

  const pause = page.getByRole('button', { name: 'Pause' });
  await pause.click();
  await waitFor('Pause pressed', async () => (await pause.getAttribute('aria-pressed')) === 'true');
  ask(2);
  a.serverHad2 = await waitFor('the server to log listener 2', () => page.evaluate(async () => {
    const r = await fetch('/api/logs?kind=access', { credentials: 'same-origin' });
    return (await r.json()).some((l) => l.line.includes('logs-e2e-2'));
  }), 15000);
  // The event reaches the page within a tick or two of 100 ms; give it
  // ample time to show, were it not held back, and on a loaded machine
  // wait until the page says it holds a line.
  await page.waitForTimeout(1500);
  a.pausedStatus = await waitFor('the page to hold a line back', async () => {
    const s = await page.locator('#log-status').textContent();
    return s.includes('waiting') && s;
  });
  const line2 = lines.filter({ hasText: 'logs-e2e-2' });
  a.shownWhilePaused = (await line2.count()) > 0;
  await shot(page, 'paused');
  await pause.click();
  await waitFor('listener 2\'s line after resuming', async () => (await line2.count()) === 1);
  a.line2 = await line2.textContent();
  result.steps.push('pause and resume');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  result.phone.scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  result.phone.boxWidth = await page.locator('#log-lines').evaluate((n) => n.getBoundingClientRect().width);
  await shot(page, 'phone');
  await page.getByRole('tab', { name: 'Error log' }).click();
  await shot(page, 'phone-error');
  await page.setViewportSize({ width: 1000, height: 900 });
  result.steps.push('phone');

  await page.getByRole('link', { name: 'Studio' }).click();
  await waitFor('the Studio view', () => page.locator('#mixer').isVisible());
  result.steps.push('left');
});
