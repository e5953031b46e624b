// The public page as a resident meets it, on a 360 px phone: the address box, "my location"
// with a position inside a zone, the English toggle, and what the first load weighs.
// Usage: node public_page.mjs BASE_URL --zone '[lon, lat]' --artefacts DIR
import { openPage, screenshot, mapIdle, options } from './browser.mjs';

const { base, zone, artefacts } = options(process.argv.slice(2));
const [lon, lat] = JSON.parse(zone);
const { browser, page, problems } = await openPage({
  width: 360,
  height: 740,
  geolocation: { longitude: lon, latitude: lat },
  permissions: ['geolocation'],
});
const result = { problems };
let firstLoadBytes = 0;
let tileRequests = 0;
page.on('response', async (r) => {
  if (r.url().includes('/tiles/')) {
    tileRequests += 1;
    return;
  }
  const sizes = await r.request().sizes().catch(() => null);
  if (sizes) firstLoadBytes += sizes.responseBodySize + sizes.responseHeadersSize;
});
const text = async (selector) => (await page.textContent(selector)) ?? '';
try {
  await page.goto(`${base}/`);
  await mapIdle(page);
  await page.waitForSelector('#sample-band', { state: 'visible', timeout: 10000 }).catch(() => {});
  result.sample_band = (await page.isVisible('#sample-band')) ? await text('#sample-band') : null;
  result.first_load_bytes = firstLoadBytes;
  result.tile_requests = tileRequests;
  await screenshot(page, artefacts, 'public-phone-start');

  // Typed without diacritics: suggestions, then the card for the address.
  await page.fill('#address', 'xom 1 nghi phong');
  await page.waitForSelector('#suggestions li', { timeout: 10000 });
  result.suggestions = await page.$$eval('#suggestions li', (items) => items.map((i) => i.textContent));
  await page.press('#address', 'Enter');
  await page.waitForSelector('#verdict', { timeout: 10000 });
  result.address_card = await text('#card');
  await mapIdle(page);
  await screenshot(page, artefacts, 'public-phone-address');

  // A commune merged away: the card names what it became; a look-alike: the card is unsure.
  await page.fill('#address', 'Phường Lê Mao, TP Vinh');
  await page.press('#address', 'Enter');
  await page.waitForSelector('#card .former', { timeout: 10000 });
  result.former_card = await text('#card');
  await page.fill('#address', 'xa Nghi Phongg, huyen Nghi Loc');
  await page.press('#address', 'Enter');
  await page.waitForSelector('#card .unsure', { timeout: 10000 });
  result.unsure_card = await text('#card');
  await screenshot(page, artefacts, 'public-phone-unsure');

  // "My location", the browser placed inside a zone.
  await page.click('#locate');
  await page.waitForFunction(() => document.querySelector('#verdict')?.classList.contains('lockdown'), null, { timeout: 10000 });
  result.location_card = await text('#card');
  await mapIdle(page);
  await screenshot(page, artefacts, 'public-phone-location');

  // English.
  await page.click('#lang');
  result.title_en = await text('header h1');
  result.updated = await text('#updated');
  await page.click('#stats summary');
  result.totals = await text('#totals');
  result.district_rows = await page.$$eval('#districts tr', (rows) => rows.length);
  // The table is built again in English once its answers are in.
  await page.waitForFunction(() => document.querySelector('#districts tr th:last-child')?.textContent.startsWith('Reported'),
    null, { timeout: 10000 }).catch(() => {});
  result.reported_header = await text('#districts tr th:last-child');
  result.overdue_codes = await page.$$eval('#districts tr.overdue', (rows) => rows.map((r) => r.dataset.code));
  result.district_codes = await page.$$eval('#districts tr[data-code]', (rows) => rows.map((r) => r.dataset.code));
  await page.click('#freshness summary');
  result.layer_times = await page.$$eval('#layer-times li', (items) => items.map((i) => i.textContent));
  await screenshot(page, artefacts, 'public-phone-english-figures');
} catch (e) {
  problems.push(`test: ${e.message}`);
  await screenshot(page, artefacts, 'public-phone-failure').catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
