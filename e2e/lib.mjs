// lib.mjs: what the browser scripts here share. Each script is run by a
// Go test (internal/testenv.RunScript, or broadcast/browser_test.go for
// audio.mjs): it reads its arguments, drives headless Debian chromium
// through playwright-core, and prints one JSON line, its result, last on
// stdout; it exits 0 only when everything held, 1 otherwise, 2 on bad
// arguments. ONAIR_E2E_SHOTS=/dir keeps screenshots there.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';

// FLAGS suit a headless run on a test machine: no sandbox or GPU, and no
// traffic of chromium's own to wait for or be disturbed by.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const closers = []; // what run closes at the end, newest first
const profiles = []; // profile folders to remove at exit

// args returns the script's arguments; it exits 2 with the usage line
// unless the first count are there and not empty and valid(args) holds.
export function args(usage, count, valid = () => true) {
  const a = process.argv.slice(2);
  if (a.length < count || a.slice(0, count).some((v) => !v) || !valid(a)) {
    console.error(`usage: node ${usage}`);
    process.exit(2);
  }
  return a;
}

// launch starts chromium with FLAGS and extra flags; run closes it.
export async function launch(extra = [], options = {}) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...extra], ...options,
  });
  closers.push(() => browser.close());
  return browser;
}

// launchContext starts chromium as launch does, with a persistent context
// in a fresh profile folder, which goes at exit; run closes the context.
export async function launchContext(extra = [], options = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'onair-e2e-profile-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: [...FLAGS, ...extra], ...options,
  });
  closers.push(() => context.close());
  return context;
}

// atEnd has run call close once the script is done, before chromium goes.
export function atEnd(close) {
  closers.push(close);
}

// waitFor polls fn every `every` ms until it returns something truthy,
// which it returns, or throws after ms.
export async function waitFor(what, fn, ms = 20000, every = 100) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, every));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// shooter returns shot(page, name, options): a full-page screenshot named
// prefix+name.png in ONAIR_E2E_SHOTS, when that is set.
export function shooter(prefix) {
  const dir = process.env.ONAIR_E2E_SHOTS;
  return async (page, name, options = {}) => {
    if (dir) await page.screenshot({ path: join(dir, `${prefix}${name}.png`), fullPage: true, ...options });
  };
}

// finish prints the verdict and exits.
function finish(result, code) {
  console.log(JSON.stringify(result));
  for (const p of profiles) {
    try { rmSync(p, { recursive: true, force: true }); } catch { /* best effort */ }
  }
  process.exit(code);
}

// run runs main and judges it: result.ok when it resolves, result.error
// when it throws. Then it closes what was launched (5 s each at most) and
// prints result. A watchdog gives the verdict after watchdogMs whatever
// hangs; the caller kills the process group too, chromium with it.
export async function run(result, watchdogMs, main) {
  const watchdog = setTimeout(() => {
    result.error = result.error || `watchdog: no verdict after ${watchdogMs} ms`;
    finish(result, 1);
  }, watchdogMs);
  try {
    await main();
    result.ok = true;
  } catch (err) {
    result.error = String(err && err.stack || err);
  }
  clearTimeout(watchdog);
  for (const close of closers.reverse()) {
    try {
      await Promise.race([close(), new Promise((r) => setTimeout(r, 5000))]);
    } catch { /* the verdict is already made */ }
  }
  finish(result, result.ok ? 0 : 1);
}
