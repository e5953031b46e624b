// A district health centre on the admin page: enters a day's figures for a commune (and is
// told, in the server's words, that a day in the future is refused), then adds a testing
// site by clicking on the map.
// Usage: node admin_figures.mjs BASE_URL --token T --commune CODE --at '[lon, lat]' --artefacts DIR
import { openPage, screenshot, jumpTo, signIn, options } from './browser.mjs';

const { base, token, commune, at, artefacts } = options(process.argv.slice(2));
const { browser, page, problems } = await openPage({ expectedStatuses: [422] });
const result = { problems };
const message = async () => (await page.textContent('#message')) ?? '';

/** Does something and waits for the page's answer (not a hint of what to click next). */
async function act(step) {
  await page.evaluate(() => { document.querySelector('#message').textContent = ''; });
  await step();
  await page.waitForFunction(() => {
    const text = document.querySelector('#message').textContent;
    return text.length > 0 && !text.startsWith('Bấm');
  }, null, { timeout: 20000 });
  return message();
}

async function enterFigures(day) {
  const form = '#figures';
  await page.selectOption(`${form} select[name=commune]`, commune);
  await page.fill(`${form} input[name=day]`, day);
  for (const [field, value] of [['new_cases', 7], ['active', 120], ['recovered', 30], ['deaths', 1], ['in_quarantine', 250]]) {
    await page.fill(`${form} input[name=${field}]`, String(value));
  }
  return act(() => page.click(`${form} button[type=submit]`));
}

try {
  await page.goto(`${base}/admin`);
  await signIn(page, token);
  await page.waitForSelector('#duty-table tr[data-org]', { state: 'attached', timeout: 10000 });
  result.duties = await page.$$eval('#duty-table tr[data-org]', (rows) =>
    rows.map((r) => [r.dataset.org, r.dataset.collection, r.className]));
  result.sections = await page.$$eval('#tools details[data-layer]', (ds) =>
    Object.fromEntries(ds.map((d) => [d.dataset.layer, !d.hidden])));
  await page.click('details[data-layer=daily_figures] summary');
  await page.waitForFunction(() => document.querySelectorAll('#figures select[name=commune] option').length > 0);
  result.communes = await page.$$eval('#figures select[name=commune] option', (os) => os.length);
  result.saved = await enterFigures('2021-09-14');
  result.future = await enterFigures('2031-01-01');
  await screenshot(page, artefacts, 'admin-figures-refused');

  // A testing site, placed by clicking.
  await page.click('details[data-layer=facilities] summary');
  await page.selectOption('#facility select[name=kind]', 'testing_sites');
  await page.fill('#facility input[name=name]', 'Điểm xét nghiệm thử');
  const place = JSON.parse(at);
  await jumpTo(page, place, 15);
  const box = await page.locator('#map').boundingBox();
  const point = await page.evaluate((p) => window.covidmap.map.project(p), place);
  result.placed = await act(async () => {
    await page.click('#place');
    await page.mouse.click(box.x + point.x, box.y + point.y);
  });
  await screenshot(page, artefacts, 'admin-testing-site-placed');
} catch (e) {
  problems.push(`test: ${e.message}`);
  result.last_message = await message().catch(() => '');
  await screenshot(page, artefacts, 'admin-figures-failure').catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
