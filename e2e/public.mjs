// public.mjs: the public station page, the embedded player and escaping.
//
//   node e2e/public.mjs http://127.0.0.1:PORT onair USERNAME PASSWORD XSS_TITLE
//   node e2e/public.mjs http://127.0.0.1:PORT live LIVE_ARTIST LIVE_TITLE
//
// Run by cmd/onair/public_test.go against a binary it started with one
// station playing two short tagged files in turn, one titled XSS_TITLE
// (markup that would run script if it were ever parsed). In headless
// Debian chromium, driven by playwright-core:
//
// "onair":
//  1. opens / as a browser navigating there and reads the station's name,
//     description, title and the .pls/.m3u links (and fetches those);
//  2. clicks "Listen" and waits for the <audio> element's currentTime to
//     pass 3 s; then waits, still listening, for the title to change and
//     for XSS_TITLE to show, and checks the element kept its one source
//     and kept playing through the change;
//  3. checks XSS_TITLE shows as that exact text, that no <img> exists and
//     that no dialog opened; reads the song history;
//  4. checks the page fits a 390 px wide phone screen, then stops;
//  5. from another origin (a page this script serves), frames /embed,
//     which plays and shows XSS_TITLE as text, and frames /, which the
//     browser must refuse (frame-ancestors 'none');
//  6. logs in to /console and waits for XSS_TITLE under On air.
// "live": opens / and waits for the Live badge and the DJ's title.
//
// It prints one JSON line on stdout ({"ok": true|false, ...}) and exits 0
// only when everything held. With ONAIR_E2E_SHOTS=/dir it saves
// screenshots there (public-*.png).
import { args, atEnd, launchContext, run, shooter, waitFor } from './lib.mjs';
import { createServer } from 'node:http';

const [base, mode, ...rest] = args('public.mjs BASE_URL onair USERNAME PASSWORD XSS_TITLE | live ARTIST TITLE', 4, (a) => ['onair', 'live'].includes(a[1]));

const WATCHDOG_MS = 110000;
const result = {
  ok: false, mode, steps: [], page: null, listen: null, xss: null, phone: null, stop: null,
  embed: null, framedRoot: null, console: null, live: null, dialogs: [], browserConsole: [], error: null,
};
let context;
let host; // the other site's server, for the framing checks
atEnd(() => host?.close());

const shot = shooter('public-');

async function newPage() {
  const page = await context.newPage();
  page.on('dialog', (d) => { result.dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  page.on('console', (m) => result.browserConsole.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => result.browserConsole.push(`pageerror: ${e.message}`));
  return page;
}

// card reads the station card's text as the page shows it.
function readCard(page) {
  return page.evaluate(() => {
    const c = document.querySelector('article.station');
    if (!c) return null;
    const text = (sel) => c.querySelector(sel)?.textContent ?? null;
    const a = c.querySelector('audio');
    return {
      mount: c.dataset.mount,
      name: text('.name'), description: text('.desc'), title: text('.title'), artist: text('.artist'),
      live: !c.querySelector('.badge.live').hidden,
      listeners: text('.listeners'),
      pls: c.querySelector('a.pls')?.getAttribute('href'), m3u: c.querySelector('a.m3u')?.getAttribute('href'),
      pressed: c.querySelector('button.listen').getAttribute('aria-pressed'),
      history: [...c.querySelectorAll('.history li .song')].map((s) => s.textContent),
      audio: { src: a.getAttribute('src'), currentTime: a.currentTime, paused: a.paused, loads: window.__loads ?? null },
      imgs: document.querySelectorAll('img').length,
      // Elements made inside the title or artist: none, if they are text.
      markup: c.querySelector('.title').childElementCount + c.querySelector('.artist').childElementCount,
      docTitle: document.title,
      // One card per station: its further outputs are not stations.
      cards: document.querySelectorAll('article.station').length,
    };
  });
}

async function onAir(username, password, xss) {
  const page = await newPage();
  await page.setViewportSize({ width: 1000, height: 900 });

  // 1. The page, its station and links.
  const nav = await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
  result.page = {
    status: nav.status(), contentType: nav.headers()['content-type'] || '',
    csp: nav.headers()['content-security-policy'] || '',
  };
  await waitFor('the station card', async () => (await readCard(page))?.title);
  Object.assign(result.page, await readCard(page));
  result.page.playlists = await page.evaluate(async ({ pls, m3u }) => {
    const get = async (u) => { const r = await fetch(u); return { status: r.status, type: r.headers.get('content-type'), body: await r.text() }; };
    return { pls: await get(pls), m3u: await get(m3u) };
  }, { pls: result.page.pls, m3u: result.page.m3u });
  result.steps.push('page');

  // 2. Listen, and play on through a title change.
  await page.evaluate(() => {
    window.__loads = 0;
    document.querySelector('article.station audio').addEventListener('loadstart', () => { window.__loads++; });
  });
  const listen = page.getByRole('button', { name: 'Listen', exact: true });
  await listen.click();
  const startTitle = (await readCard(page)).title;
  const playing = await waitFor('currentTime past 3 s', async () => {
    const c = await readCard(page);
    return c.audio.currentTime > 3 && c;
  }, 20000);
  result.listen = { startTitle, atThree: playing.audio, pressed: playing.pressed };
  await shot(page, 'desktop');
  result.steps.push('listen');

  const changed = await waitFor('a new title while listening', async () => {
    const c = await readCard(page);
    return c.title !== startTitle && c;
  }, 30000);
  const sawXSS = changed.title === xss ? changed : await waitFor('the XSS title', async () => {
    const c = await readCard(page);
    return c.title === xss && c;
  }, 30000);
  await page.waitForTimeout(1500); // playing on after the change
  const after = await readCard(page);
  result.listen.changedTo = changed.title;
  result.listen.afterChange = after.audio;
  result.listen.srcKept = after.audio.src === playing.audio.src;
  result.steps.push('title change');

  // 3. The title as text, nothing run.
  result.xss = {
    title: sawXSS.title, artist: sawXSS.artist, imgs: after.imgs, markup: sawXSS.markup, dialogs: result.dialogs.length,
    history: after.history, listeners: after.listeners, docTitle: after.docTitle,
  };
  await shot(page, 'xss');
  result.steps.push('xss');

  // 4. A phone's width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  result.phone = await page.evaluate(() => {
    const b = document.querySelector('button.listen').getBoundingClientRect();
    return { scrollWidth: document.documentElement.scrollWidth, button: { left: b.left, right: b.right, width: b.width } };
  });
  await shot(page, 'phone');
  await listen.click();
  result.stop = await waitFor('the player to stop', async () => {
    const c = await readCard(page);
    return c.pressed === 'false' && c.audio.src === null && c;
  }).then((c) => ({ pressed: c.pressed, src: c.audio.src }));
  result.steps.push('phone');
  await page.close();

  // 5. Framed by another site.
  host = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><title>Another site</title><body style="background:#eee;font-family:sans-serif">
<p>A blog with the station's player:</p>
<iframe name="embed" src="${base}/embed?station=main" width="420" height="80" style="border:0"></iframe>
<iframe name="root" src="${base}/" width="420" height="200"></iframe></body>`);
  });
  await new Promise((r) => host.listen(0, '127.0.0.1', r));
  const hostURL = `http://127.0.0.1:${host.address().port}/`;
  const framing = await newPage();
  await framing.setViewportSize({ width: 500, height: 400 });
  await framing.goto(hostURL);
  const embed = await waitFor('the embedded player', async () => framing.frame({ name: 'embed' }));
  await waitFor('the embed\'s title', async () => {
    const t = await embed.locator('#title').textContent().catch(() => null);
    return t && t !== 'Tuning in…' && t;
  });
  await embed.getByRole('button', { name: 'Listen', exact: true }).click();
  const embedPlayed = await waitFor('the embed\'s audio past 2 s', async () => {
    const t = await embed.evaluate(() => document.getElementById('audio').currentTime);
    return t > 2 && t;
  }, 20000);
  const embedXSS = await waitFor('the XSS title in the embed', async () => {
    const e = await embed.evaluate(() => ({
      title: document.getElementById('title').textContent,
      name: document.getElementById('name').textContent,
      imgs: document.querySelectorAll('img').length,
    }));
    return e.title === xss && e;
  }, 30000);
  result.embed = { ...embedXSS, currentTime: embedPlayed, frameURL: embed.url() };
  const root = framing.frame({ name: 'root' });
  result.framedRoot = {
    url: root ? root.url() : null,
    station: root ? await root.evaluate(() => !!document.querySelector('article.station')).catch(() => false) : false,
    refused: result.browserConsole.some((l) => l.includes('frame-ancestors')),
  };
  await shot(framing, 'embed');
  await embed.getByRole('button', { name: 'Listen', exact: true }).click();
  await framing.close();
  result.steps.push('embed');

  // 6. The same title in the console.
  const con = await newPage();
  await con.setViewportSize({ width: 1000, height: 900 });
  await con.goto(`${base}/console`);
  await con.getByLabel('Username').fill(username);
  await con.getByLabel('Password').fill(password);
  await con.getByRole('button', { name: 'Log in' }).click();
  result.console = await waitFor('the XSS title under On air', async () => {
    const c = await con.evaluate(() => ({
      title: document.getElementById('np-title')?.textContent ?? null,
      imgs: document.querySelectorAll('img').length,
    }));
    return c.title === xss && c;
  }, 30000);
  await shot(con, 'console');
  await con.close();
  result.steps.push('console');
}

async function live(artist, title) {
  const page = await newPage();
  await page.setViewportSize({ width: 1000, height: 900 });
  await page.goto(`${base}/`);
  let last = null;
  try {
    result.live = await waitFor('the Live badge and the DJ\'s title', async () => {
      const c = last = await readCard(page);
      return c && c.live && c.title === title && c.artist === artist && c;
    }, 20000);
  } catch (err) {
    // Say what the page showed instead.
    const seen = last && { live: last.live, title: last.title, artist: last.artist };
    throw new Error(`${err.message}; the card showed ${JSON.stringify(seen)}`);
  }
  await shot(page, 'live');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await shot(page, 'live-phone');
  result.steps.push('live');
}

await run(result, WATCHDOG_MS, async () => {
  context = await launchContext([], {
    timeout: 20000,
  });
  if (mode === 'onair') await onAir(...rest);
  else await live(...rest);
});
