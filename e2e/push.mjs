// push.mjs: the pushes under the console's Listeners view, in a browser.
//
//   node e2e/push.mjs http://127.0.0.1:PORT ADMIN_USER ADMIN_PASS DJ_USER DJ_PASS
//
// Run by cmd/onair/push_console_test.go against a binary that pushes its
// station to a server that takes it and to one that refuses it. In
// headless Debian chromium, driven by playwright-core, it:
//
//  1. logs in as the admin and opens Listeners;
//  2. waits for the two push rows and reads their cells;
//  3. at 390 px, measures the page's width;
//  4. logs in as the DJ: the pushes are not shown.
//
// It prints one JSON line on stdout ({"ok": true|false, ...}) and exits 0
// only when everything held.
import { args, launch, run, waitFor } from './lib.mjs';

const [base, adminUser, adminPass, djUser, djPass] = args('push.mjs BASE_URL ADMIN_USER ADMIN_PASS DJ_USER DJ_PASS', 5);

const result = { ok: false, steps: [], error: null, console: [], rows: [], phone: {}, dj: {} };
let browser;

async function openAs(user, pass, who) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => result.console.push(`${who} ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => result.console.push(`${who} pageerror: ${e.message}`));
  await page.goto(`${base}/console`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('link', { name: 'Listeners' }).click();
  await waitFor('the Listeners view', () => page.locator('#listeners').isVisible());
  return page;
}

await run(result, 60000, async () => {
  browser = await launch();
  const page = await openAs(adminUser, adminPass, 'admin');
  result.steps.push('login');

  const rows = page.locator('#push-rows tr');
  // The refused push shows its answer once the server has tried it; the
  // table is polled every 5 s.
  await waitFor('two push rows, one connected and one failed', async () => {
    const states = await page.locator('#push-rows .push-state').allTextContents();
    return states.length === 2 && states.includes('connected') && states.includes('failed');
  }, 30000);
  for (const tr of await rows.all()) {
    const cells = await tr.locator('td').allTextContents();
    result.rows.push(cells);
  }
  result.steps.push('rows');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  result.phone.scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  result.steps.push('phone');

  const dj = await openAs(djUser, djPass, 'dj');
  await dj.waitForTimeout(500);
  result.dj.pushVisible = await dj.locator('#push').isVisible();
  result.steps.push('dj');
  result.ok = true;
});
