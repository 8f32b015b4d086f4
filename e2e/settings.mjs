// settings.mjs: the console's Settings view in a browser.
//
//   node e2e/settings.mjs http://127.0.0.1:PORT ADMIN_USER ADMIN_PASS NEW_NAME DJ_USER DJ_PASS
//
// Run by cmd/onair/settings_test.go against a binary it started. In
// headless Debian chromium, driven by playwright-core, it:
//
//  1. logs in as the admin and opens Settings from the navigation;
//  2. reads the station's name, the Network group (its "takes effect on
//     restart" mark and its rows) and checks every Network row is marked
//     restart-only;
//  3. types NEW_NAME as the station's name, saves, and waits for "Saved."
//     and the name's source to read "saved here";
//  4. reloads the page and reads the name back from the form;
//  5. types -5 as Max listeners, saves, and reads the server's refusal
//     shown under that field;
//  6. adds the DJ DJ_USER from the accounts form and sees it listed;
//  7. takes screenshots at 1000 px and 390 px and measures overflow;
//  8. logs in as the DJ in a second context: the Settings link is not
//     shown, #settings shows the studio, and GET /api/settings from the
//     page answers 403.
//
// It prints one JSON line on stdout ({"ok": true|false, ...}) and exits 0
// only when everything held. With ONAIR_E2E_SHOTS=/dir it saves
// screenshots named settings-*.png there.
import { args, launch, run, shooter, waitFor } from './lib.mjs';

const [base, adminUser, adminPass, newName, djUser, djPass] = args('settings.mjs BASE_URL ADMIN_USER ADMIN_PASS NEW_NAME DJ_USER DJ_PASS', 6);

const WATCHDOG_MS = 80000;
const result = {
  ok: false, steps: [], error: null, console: [],
  nameBefore: null, nameSource: null, nameAfterReload: null, network: {}, stream: {}, limitError: null,
  accounts: [], phone: {}, dj: {},
};
let browser;

const shot = shooter('settings-');

// login logs in on a new page of a new context.
async function login(user, pass, who) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => result.console.push(`${who} ${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => result.console.push(`${who} pageerror: ${e.message}`));
  await page.goto(`${base}/console`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Log in' }).click();
  await waitFor('the console after login', () => page.locator('#nav').isVisible());
  return page;
}

// loaded waits for the Settings view's forms to be filled in.
async function loaded(page) {
  await waitFor('the Settings view', () => page.locator('#settings').isVisible());
  await waitFor('the settings to load', async () => (await page.locator('#set-net dd').count()) > 0);
}

await run(result, WATCHDOG_MS, async () => {
  browser = await launch();

  const page = await login(adminUser, adminPass, 'admin');
  await page.getByRole('link', { name: 'Settings' }).click();
  await loaded(page);
  result.steps.push('open settings');

  const name = page.locator('#settings').getByLabel('Name', { exact: true });
  result.nameBefore = await name.inputValue();
  const net = page.locator('#set-network');
  result.network.heading = await net.locator('h3').textContent();
  result.network.listen = await net.locator('dd[data-fact="listen"] .set-value').textContent();
  result.network.rows = await net.locator('dd').count();
  result.network.restartRows = await net.locator('dd[data-restart="true"]').count();
  const stream = page.locator('#set-stream');
  result.stream.mp3Quality = await stream.locator('dd[data-fact="mp3_quality"] .set-value').textContent();
  result.stream.resampler = await stream.locator('dd[data-fact="resampler"] .set-value').textContent();
  await shot(page, 'desktop');
  result.steps.push('network');

  await name.fill(newName);
  const station = page.locator('#set-station');
  await station.getByRole('button', { name: 'Save station' }).click();
  await waitFor('the station saved', async () => (await station.locator('.set-msg').textContent()) === 'Saved.');
  result.nameSource = await page.locator('#set-station .set-field:has(#set-name) .set-src').textContent();
  result.steps.push('save name');

  await page.reload();
  await loaded(page);
  result.nameAfterReload = await page.locator('#settings').getByLabel('Name', { exact: true }).inputValue();
  result.steps.push('reload');

  const limits = page.locator('#set-limits');
  await limits.getByLabel('Max listeners').fill('-5');
  await limits.getByRole('button', { name: 'Save limits' }).click();
  const limitErr = page.locator('#set-limits .set-field:has(#set-max-listeners) .set-err');
  result.limitError = await waitFor('the refusal under Max listeners', async () => limitErr.textContent());
  result.limitInvalid = await limits.getByLabel('Max listeners').getAttribute('aria-invalid');
  result.steps.push('refusal shown');

  const add = page.locator('#set-add-dj');
  await add.getByLabel('DJ username').fill(djUser);
  await add.getByLabel('DJ password').fill(djPass);
  await add.getByRole('button', { name: 'Add DJ' }).click();
  await waitFor('the DJ listed', async () => (await page.locator('#set-account-rows tr', { hasText: djUser }).count()) === 1);
  result.accounts = await page.locator('#set-account-rows .set-username').allTextContents();
  result.steps.push('add dj');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  result.phone.scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  result.phone.nameRight = await page.locator('#settings').getByLabel('Name', { exact: true }).evaluate((e) => e.getBoundingClientRect().right);
  await shot(page, 'phone');
  result.steps.push('phone');

  const dj = await login(djUser, djPass, 'dj');
  result.dj.settingsLinks = await dj.getByRole('link', { name: 'Settings' }).count();
  await dj.goto(`${base}/console#settings`);
  await waitFor('the console for the DJ', () => dj.locator('#nav').isVisible());
  // A DJ asking for Settings is shown the studio: once it shows, the
  // Settings view must not.
  result.dj.studioShown = await waitFor('the studio for the DJ', () => dj.locator('#mixer').isVisible());
  result.dj.settingsShown = await dj.locator('#settings').isVisible();
  result.dj.status = await dj.evaluate(async () => (await fetch('/api/settings')).status);
  await shot(dj, 'dj');
  result.steps.push('dj refused');
});
