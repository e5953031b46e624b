// The CDC sets a commune's epidemic level on the admin page: the level and active cases,
// then a click on the commune.
// Usage: node admin_level.mjs BASE_URL --token T --at '[lon, lat]' --artefacts DIR
import { openPage, screenshot, jumpTo, signIn, options } from './browser.mjs';

const { base, token, at, artefacts } = options(process.argv.slice(2));
const { browser, page, problems } = await openPage();
const result = { problems };
try {
  await page.goto(`${base}/admin`);
  await signIn(page, token);
  result.sections = await page.$$eval('#tools details[data-layer]', (ds) =>
    Object.fromEntries(ds.map((d) => [d.dataset.layer, !d.hidden])));
  const place = JSON.parse(at);
  await jumpTo(page, place, 12);
  await page.click('details[data-layer=epidemic_levels] summary');
  await page.selectOption('#level select[name=level]', '3');
  await page.fill('#level input[name=active_cases]', '17');
  await page.click('#pick-commune');
  const box = await page.locator('#map').boundingBox();
  const point = await page.evaluate((p) => window.covidmap.map.project(p), place);
  await page.mouse.click(box.x + point.x, box.y + point.y);
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('Đã đặt cấp'), null, { timeout: 10000 });
  result.set = await page.textContent('#message');
  await screenshot(page, artefacts, 'admin-commune-level-set');
} catch (e) {
  problems.push(`test: ${e.message}`);
  result.last_message = await page.textContent('#message').catch(() => '');
  await screenshot(page, artefacts, 'admin-level-failure').catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
