// playlists.mjs: the console's Library and Playlists views in a browser.
//
//   node e2e/playlists.mjs BASE_URL USERNAME PASSWORD GOOD_MP3 BAD_FILE
//
// Run by cmd/onair/playlists_console_test.go against a binary it started
// with a media folder of tones ("Tester - Tone 500/700/900") and a broken
// file. In headless Debian chromium, driven by playwright-core, it:
//
//  1. logs in;
//  2. in Playlists, creates "Scratch", starts it and sees it in error
//     (it is empty), stops it and deletes it (accepting the confirm), then
//     creates "Evening Mix" (looped, weight 7);
//  3. in Library, reads the broken file's flag, uploads GOOD_MP3 and
//     BAD_FILE with Upload, drops a third (text) file on the view, and
//     waits for each file's result; the good one is listed and added to
//     "Evening Mix" with Add to playlist;
//  4. in Playlists, opens "Evening Mix", adds Tone 700 and Tone 900 from
//     the editor's search, sets the uploaded track's weight to 3, drags
//     Tone 900 above the first track, moves the uploaded track down with
//     its ↓ button, sets the repeat guard to 1;
//  5. presses the playlist's Start and waits for its state to read
//     "playing"; in Studio, waits for On air to name the playlist and
//     show one of its tracks.
//
// It prints one JSON line on stdout ({"ok": true|false, ...}) and exits 0
// only when everything held; the Go test checks the outcome again through
// the API. With ONAIR_E2E_SHOTS=/dir it saves screenshots (library-*.png,
// playlists-*.png) at 1000 px and 390 px wide.
import { args, launchContext, run, shooter, waitFor } from './lib.mjs';
import { basename, join } from 'node:path';

const [base, username, password, goodFile, badFile] = args('playlists.mjs BASE_URL USERNAME PASSWORD GOOD_MP3 BAD_FILE', 5);

const PLAYLIST = 'Evening Mix';
const WATCHDOG_MS = 110000;
const result = {
  ok: false, steps: [], empty: null, broken: null, uploads: [], order: [], weights: [],
  state: null, onAir: null, title: null, console: [], error: null,
};

const shot = shooter('');

async function view(page, name) {
  await page.getByRole('link', { name, exact: true }).click();
  await waitFor(`the ${name} view`, () => page.locator(`section[data-view="${name.toLowerCase()}"]`).first().isVisible());
}

// itemTitles is the open playlist's tracks, in the order shown.
const itemTitles = (page) => page.locator('#pl-items li .pl-item-title').allTextContents();

async function saved(page, what) {
  await waitFor(what, async () => (await page.locator('#pl-items-status').textContent()) === 'Saved.');
}

async function createPlaylist(page, name, mode, weight) {
  await page.getByRole('button', { name: 'New playlist' }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Mode').selectOption(mode);
  await page.getByLabel('Weight', { exact: true }).fill(String(weight));
  await page.getByRole('button', { name: 'Create' }).click();
  await waitFor(`${name} created`, async () => (await page.locator('#pl-form-status').textContent()).startsWith(`Created ${name}`));
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
  await page.getByRole('button', { name: 'Log in' }).click();
  await waitFor('the console', () => page.locator('#nav').isVisible());
  result.steps.push('login');

  // 2. Create and delete, then the playlist the rest works on.
  await view(page, 'Playlists');
  const rows = page.locator('#pl-rows tr');
  await createPlaylist(page, 'Scratch', 'shuffle', 5);
  // Started empty, it is in error, with the reason; stopped, it is not.
  const scratch = rows.filter({ has: page.getByRole('button', { name: 'Scratch', exact: true }) });
  await scratch.getByRole('button', { name: 'Start' }).click();
  await waitFor('Scratch in error', async () => (await scratch.locator('.pl-state').textContent()) === 'error');
  result.empty = { state: 'error', problem: await scratch.locator('.pl-problem').textContent() };
  await scratch.getByRole('button', { name: 'Stop' }).click();
  await waitFor('Scratch stopped', async () => (await scratch.locator('.pl-state').textContent()) === 'stopped'
    && (await scratch.locator('.pl-problem').count()) === 0);
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete playlist' }).click();
  await waitFor('Scratch deleted', async () => (await rows.filter({ hasText: 'Scratch' }).count()) === 0
    && (await page.locator('#pl-status').textContent()) === 'Deleted Scratch.');
  await createPlaylist(page, PLAYLIST, 'looped', 7);
  const plRow = rows.filter({ has: page.getByRole('button', { name: PLAYLIST, exact: true }) });
  await waitFor('the playlist listed', async () => (await plRow.count()) === 1);
  result.steps.push('create and delete');

  // 3. The library: the broken file is flagged; two files are uploaded
  // with the button, one is dropped.
  await view(page, 'Library');
  const libRows = page.locator('#lib-rows tr');
  await waitFor('the library listed', async () => (await libRows.filter({ hasText: 'Tone 500' }).count()) === 1);
  const brokenRow = libRows.filter({ has: page.locator('.badge.bad') });
  await waitFor('a flagged track', async () => (await brokenRow.count()) === 1);
  result.broken = {
    badge: await brokenRow.locator('.badge.bad').textContent(),
    why: await brokenRow.locator('.lib-why').textContent(),
    addButtons: await brokenRow.getByRole('button', { name: 'Add to playlist' }).count(),
  };
  await page.locator('#lib-files').setInputFiles([goodFile, badFile]);
  const dropped = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['this is a text file, not audio\n'.repeat(50)], 'dropped.mp3', { type: 'audio/mpeg' }));
    return dt;
  });
  await page.dispatchEvent('#lib-rows', 'dragover', { dataTransfer: dropped });
  await page.dispatchEvent('#lib-rows', 'drop', { dataTransfer: dropped });
  const uploads = page.locator('#lib-uploads li');
  await waitFor('three upload results', async () => (await page.locator('#lib-uploads li.done, #lib-uploads li.failed').count()) === 3, 20000);
  for (const li of await uploads.all()) {
    result.uploads.push({
      name: await li.locator('.lib-file').textContent(),
      progress: Number(await li.locator('progress').evaluate((p) => p.value)),
      done: await li.evaluate((e) => e.classList.contains('done')),
      result: await li.locator('.lib-result').textContent(),
    });
  }
  const names = result.uploads.map((u) => u.name);
  if (names.join('|') !== [basename(goodFile), basename(badFile), 'dropped.mp3'].join('|')) {
    throw new Error(`uploads listed as ${names}`);
  }
  const uploadedRow = libRows.filter({ hasText: 'Tone 1500' });
  await waitFor('the uploaded track listed', async () => (await uploadedRow.count()) === 1);
  await shot(page, 'library-uploads');
  await uploadedRow.getByRole('button', { name: 'Add to playlist' }).click();
  const dialog = page.getByRole('dialog');
  await waitFor('the playlist picker', async () => (await dialog.isVisible()) && (await dialog.locator('option').count()) === 1);
  await dialog.getByLabel('Playlist').selectOption({ label: PLAYLIST });
  await shot(page, 'library-add');
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await waitFor('added to the playlist', async () => !(await dialog.isVisible())
    && (await page.locator('#lib-status').textContent()).includes(`to ${PLAYLIST}`));
  result.steps.push('library');

  // 4. The playlist's tracks: add, weigh, drag, move.
  await view(page, 'Playlists');
  await page.getByRole('button', { name: PLAYLIST, exact: true }).click();
  await waitFor('the uploaded track in the playlist', async () => (await itemTitles(page)).join('|') === 'Tester - Tone 1500');
  await page.getByLabel('Add tracks').fill('tone');
  for (const f of [700, 900]) {
    const found = page.locator('#pl-found li').filter({ hasText: `Tone ${f}` });
    await waitFor(`Tone ${f} found`, async () => (await found.getByRole('button', { name: 'Add' }).count()) === 1);
    await found.getByRole('button', { name: 'Add' }).click();
    await saved(page, `Tone ${f} added`);
  }
  await page.getByLabel('Weight of Tester - Tone 1500').selectOption('3');
  await saved(page, 'the weight saved');
  const items = page.locator('#pl-items li');
  await waitFor('three tracks', async () => (await items.count()) === 3);
  const grip = { x: 8, y: 8 };
  const itemBox = await items.nth(0).boundingBox();
  await items.nth(2).dragTo(items.nth(0), { sourcePosition: grip, targetPosition: { x: itemBox.width / 2, y: 3 } });
  await waitFor('Tone 900 dragged to the top', async () => (await itemTitles(page))[0] === 'Tester - Tone 900');
  await saved(page, 'the drag saved');
  result.steps.push('drag');
  await page.getByRole('button', { name: 'Move Tester - Tone 1500 down' }).click();
  await waitFor('Tone 1500 moved down', async () => (await itemTitles(page))[2] === 'Tester - Tone 1500');
  await saved(page, 'the move saved');
  result.order = await itemTitles(page);
  result.weights = await page.locator('#pl-items select').evaluateAll((ss) => ss.map((s) => Number(s.value)));
  await page.getByLabel('Repeat guard').fill('1');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await waitFor('the settings saved', async () => (await page.locator('#pl-form-status').textContent()) === 'Saved.');
  result.steps.push('tracks');

  // 5. Start it, and hear it on air.
  await plRow.getByRole('button', { name: 'Start' }).click();
  const state = plRow.locator('.pl-state');
  await waitFor('the playlist playing', async () => (await state.textContent()) === 'playing');
  result.state = await state.textContent();
  await waitFor('Stop enabled', () => plRow.getByRole('button', { name: 'Stop' }).isEnabled());
  await view(page, 'Studio');
  const titles = result.order.map((t) => t.replace(/^Tester - /, ''));
  await waitFor('a track of the playlist on air', async () => {
    const live = await page.locator('#live-state').textContent();
    const title = await page.locator('#np-title').textContent();
    return live.includes(PLAYLIST) && titles.some((t) => title.endsWith(t));
  }, 40000);
  result.onAir = await page.locator('#live-state').textContent();
  result.title = await page.locator('#np-title').textContent();
  await view(page, 'Playlists');
  await waitFor('the on air mark', async () => (await plRow.locator('.pl-onair').count()) === 1);
  await shot(page, 'playlists-playing');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'playlists-phone');
  await view(page, 'Library');
  await shot(page, 'library-phone');
  result.steps.push('on air');
});
