// Headless Chromium (Debian's) driven by playwright-core, for the browser tests. Each test
// script prints one JSON object on stdout for the Rust test that started it to check.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const CHROMIUM = process.env.COVIDMAP_CHROMIUM || '/usr/bin/chromium';

// Closed network: without these Chromium keeps trying to reach Google's services.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebGL without a GPU, for MapLibre.
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** Opens a page; everything that goes wrong on it is collected in `problems`. */
export async function openPage({ width = 1280, height = 800, expectedStatuses = [], ...context } = {}) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const context_ = await browser.newContext({ viewport: { width, height }, ...context });
  const page = await context_.newPage();
  const problems = [];
  // Refusals the test provokes on purpose (a wrong token, another district) are not problems.
  const expected = (status) => expectedStatuses.includes(status);
  page.on('console', (m) => {
    const refused = m.text().match(/status of (\d+)/);
    if (m.type() === 'error' && !(refused && expected(Number(refused[1])))) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // MapLibre cancels the tiles it no longer needs when the map moves on, and a page that
    // goes away closes its change stream.
    const aborted = r.failure()?.errorText === 'net::ERR_ABORTED';
    const expectedAbort = aborted && (r.url().includes('/tiles/') || new URL(r.url()).pathname === '/api/v1/changes');
    if (!expectedAbort) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !expected(r.status())) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return { browser, context: context_, page, problems };
}

/** Saves a screenshot as `<dir>/<name>.png`. */
export async function screenshot(page, dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** Waits until the page's map has drawn everything it asked for. */
export async function mapIdle(page, timeout = 30000) {
  await page.waitForFunction(() => window.covidmap?.map, null, { timeout });
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const map = window.covidmap.map;
        if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) resolve();
        else map.once('idle', resolve);
      }),
  );
}

/** Moves the page's map and waits until it has drawn the new view. (Waiting after the move
 *  can be too early: until the next frame asks for the new tiles, the map still counts as
 *  loaded.) */
export async function jumpTo(page, center, zoom) {
  await page.waitForFunction(() => window.covidmap?.map?.loaded());
  await page.evaluate(
    ([c, z]) =>
      new Promise((resolve) => {
        const map = window.covidmap.map;
        map.once('idle', resolve);
        map.jumpTo({ center: c, zoom: z });
      }),
    [center, zoom],
  );
}

/** Signs in on the admin page with a token, and waits until its tools are there. (A
 *  viewer's tools are all folded away until something is picked: wait on the attribute.) */
export async function signIn(page, token) {
  await page.fill('#token', token);
  await page.click('#signin button');
  await page.waitForFunction(() => !document.querySelector('#tools').hidden);
}

/** The base URL (first argument) and `--name value` options. */
export function options(argv) {
  const out = { base: argv[0] };
  for (let i = 1; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  return out;
}
