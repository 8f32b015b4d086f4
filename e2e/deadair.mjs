// deadair.mjs: the console's dead-air warning in a browser.
//
//   node e2e/deadair.mjs http://127.0.0.1:PORT USERNAME PASSWORD
//
// Run by cmd/onair/deadair_test.go against a binary whose station plays
// only a silent file. In headless Debian chromium it logs in to
// /console and waits for the dead-air warning under On air, and reports
// its text. It prints one JSON line on stdout ({"ok": true|false, ...})
// and exits 0 only when the warning showed. With ONAIR_E2E_SHOTS=/dir it
// saves a screenshot of it there.
import { args, launchContext, run, shooter, waitFor } from './lib.mjs';

const [base, username, password] = args('deadair.mjs BASE_URL USERNAME PASSWORD', 3);

const result = { ok: false, warning: null, console: [], error: null };
const shot = shooter('deadair-');

await run(result, 60000, async () => {
  const context = await launchContext([], { viewport: { width: 1000, height: 900 } });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => result.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => result.console.push(`pageerror: ${e.message}`));

  await page.goto(`${base}/console`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  const warning = page.getByRole('alert').filter({ hasText: 'Dead air' });
  await waitFor('the dead-air warning', async () => warning.isVisible(), 40000);
  result.warning = await warning.textContent();
  await shot(page, 'warning');
  result.ok = true;
});
