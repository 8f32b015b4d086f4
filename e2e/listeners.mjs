// listeners.mjs: the console's Listeners view in a browser.
//
//   node e2e/listeners.mjs http://127.0.0.1:PORT ADMIN_USER ADMIN_PASS DJ_USER DJ_PASS XSS_AGENT
//
// Run by cmd/onair/listeners_console_test.go against a binary it started
// with a tone station, an ffmpeg listener on /stream and a listener whose
// user agent is XSS_AGENT (markup that must show as text). In headless
// Debian chromium, driven by playwright-core, it:
//
//  1. logs in as the admin and opens Listeners from the navigation;
//  2. waits for the row whose player contains "Lavf" (ffmpeg), reads its
//     IP, mount and bytes sent, and waits for "connected for" to tick and
//     the bytes sent to be refreshed;
//  3. finds the XSS_AGENT row and checks it shows the agent as text;
//  4. checks the 24-hour chart (an svg with a line) and the peak text;
//  5. clicks Ban IP on the ffmpeg row, accepts the prompt, and reads the
//     server's refusal (banning one's own address);
//  6. bans 203.0.113.7 from the form, sees it listed, unbans it;
//  7. takes screenshots at 1000 px and 390 px and measures overflow;
//  8. logs in as the DJ in a second context: sees the rows, no buttons;
//  9. clicks Kick on the ffmpeg row and waits for the row to vanish.
//
// It prints one JSON line on stdout ({"ok": true|false, ...}) and exits 0
// only when everything held. With ONAIR_E2E_SHOTS=/dir it saves
// screenshots named listeners-*.png there.
import { args, launch, run, shooter, waitFor } from './lib.mjs';

const [base, adminUser, adminPass, djUser, djPass, xssAgent] = args('listeners.mjs BASE_URL ADMIN_USER ADMIN_PASS DJ_USER DJ_PASS XSS_AGENT', 6);

const WATCHDOG_MS = 100000;
const result = {
  ok: false, steps: [], error: null, console: [], dialogs: [],
  ffmpeg: {}, xss: {}, chart: {}, relay: {}, banError: null, bans: {}, phone: {}, dj: {}, kicked: null,
};
let browser;

const shot = shooter('listeners-');

// openAs logs in on a new page and opens the Listeners view by its link.
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

// rowWith is the listeners table's row whose player cell contains text.
const rowWith = (page, text) => page.locator('#lst-rows tr').filter({
  has: page.locator('td.lst-player', { hasText: text }),
});

const cellText = (row, label) => row.locator(`td[data-label="${label}"]`).textContent();

await run(result, WATCHDOG_MS, async () => {
  browser = await launch();

  const page = await openAs(adminUser, adminPass, 'admin');
  // A prompt or confirm is answered yes; an alert would be the XSS firing.
  page.on('dialog', async (d) => {
    result.dialogs.push(`${d.type()}: ${d.message()}`);
    if (d.type() === 'prompt') await d.accept('e2e');
    else await d.accept();
  });
  result.steps.push('login');

  const ff = rowWith(page, 'Lavf');
  await waitFor('the ffmpeg listener\'s row', async () => (await ff.count()) === 1, 15000);
  result.ffmpeg.id = Number(await ff.getAttribute('data-id'));
  result.ffmpeg.ip = await cellText(ff, 'IP');
  result.ffmpeg.player = await cellText(ff, 'Player');
  result.ffmpeg.mount = await cellText(ff, 'Mount');
  result.ffmpeg.bitrate = await cellText(ff, 'Bitrate');
  result.ffmpeg.bytes = await cellText(ff, 'Bytes sent');
  result.ffmpeg.since = await cellText(ff, 'Connected for');
  result.ffmpeg.sinceLater = await waitFor('"connected for" to tick', async () => {
    const t = await cellText(ff, 'Connected for');
    return t !== result.ffmpeg.since && t;
  }, 3000);
  result.ffmpeg.bytesLater = await waitFor('bytes sent to be refreshed', async () => {
    const t = await cellText(ff, 'Bytes sent');
    return t !== result.ffmpeg.bytes && t;
  }, 12000);
  result.steps.push('ffmpeg row');

  const xr = rowWith(page, 'onerror');
  await waitFor('the XSS listener\'s row', async () => (await xr.count()) === 1);
  result.xss.player = await cellText(xr, 'Player');
  result.xss.imgs = await page.locator('#listeners img').count();
  result.steps.push('user agent as text');

  const svg = page.locator('#lst-chart svg');
  await waitFor('the chart', async () => (await svg.count()) === 1);
  result.chart.lines = await svg.locator('path.lst-line').count();
  result.chart.labels = await svg.locator('text').allTextContents();
  result.chart.peak = await page.locator('#lst-peak').textContent();
  result.steps.push('chart');

  // The relay whose upstream refuses: its row says so, with the reason.
  const relay = page.locator('#lst-relays tr[data-relay="/edge"]');
  await waitFor('the relay row with a reason', async () =>
    (await relay.count()) === 1 && (await relay.locator('.lst-relay-reason').count()) === 1);
  result.relay.shown = await page.locator('#lst-relays').isVisible();
  result.relay.state = await relay.locator('td[data-relay-state]').getAttribute('data-relay-state');
  result.relay.text = await relay.locator('td[data-relay-state]').textContent();
  result.relay.upstream = await relay.locator('td').nth(2).textContent();
  result.steps.push('relay');

  await ff.getByRole('button', { name: 'Ban IP' }).click();
  result.banError = await waitFor('the ban refused', async () => {
    const s = page.locator('#lst-status.error');
    return (await s.count()) && await s.textContent();
  });
  result.ffmpeg.afterBan = await ff.count();
  result.steps.push('ban own address refused');

  const form = page.locator('#lst-ban-form');
  await form.getByLabel('Address or range').fill('203.0.113.7');
  await form.getByLabel('Reason').fill('e2e test');
  await form.getByRole('button', { name: 'Ban', exact: true }).click();
  const banRow = page.locator('#lst-ban-rows tr', { hasText: '203.0.113.7/32' });
  await waitFor('the ban listed', async () => (await banRow.count()) === 1);
  result.bans.listed = await banRow.textContent();
  await shot(page, 'desktop');
  await banRow.getByRole('button', { name: 'Unban' }).click();
  await waitFor('the ban lifted', async () => (await banRow.count()) === 0);
  result.bans.lifted = true;
  result.steps.push('ban and unban');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(400); // the chart redraws for the new width
  result.phone.scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  result.phone.chartWidth = await svg.evaluate((e) => e.getBoundingClientRect().width);
  result.phone.kickWidth = await ff.getByRole('button', { name: 'Kick' }).evaluate((e) => e.getBoundingClientRect().right);
  await shot(page, 'phone');
  await page.setViewportSize({ width: 1000, height: 900 });
  result.steps.push('phone');

  const dj = await openAs(djUser, djPass, 'dj');
  const djRow = rowWith(dj, 'Lavf');
  await waitFor('the ffmpeg row for the DJ', async () => (await djRow.count()) === 1);
  result.dj.rows = await dj.locator('#lst-rows tr').count();
  result.dj.buttons = await dj.locator('#lst-rows button').count();
  result.dj.banForm = await dj.locator('#lst-ban-form').isVisible();
  await shot(dj, 'dj');
  result.steps.push('dj sees no buttons');

  await ff.getByRole('button', { name: 'Kick' }).click();
  await waitFor('the kicked row to vanish', async () => (await rowWith(page, 'Lavf').count()) === 0);
  result.kicked = result.ffmpeg.id;
  // It stays gone after the next refreshes (ffmpeg does not come back).
  await page.waitForTimeout(5500);
  result.ffmpeg.rowsAfterKick = await rowWith(page, 'Lavf').count();
  result.status = await page.locator('#lst-status').textContent();
  await shot(page, 'kicked');
  result.steps.push('kick');
});
