// The police move a checkpoint on the admin page: click it on the map, "move", click the new
// place. Usage: node admin_move.mjs BASE_URL --token T --at '[lon, lat]' --artefacts DIR
import { openPage, screenshot, jumpTo, options } from './browser.mjs';

const { base, token, at, artefacts } = options(process.argv.slice(2));
const { browser, page, problems } = await openPage();
const result = { problems };
try {
  await page.goto(`${base}/admin`);
  await page.fill('#token', token);
  await page.click('#signin button');
  await page.waitForSelector('#tools:not([hidden])');
  const place = JSON.parse(at);
  await jumpTo(page, place, 16);
  const box = await page.locator('#map').boundingBox();
  const point = await page.evaluate((p) => window.covidmap.map.project(p), place);
  await page.mouse.click(box.x + point.x, box.y + point.y);
  await page.waitForSelector('#selected-facility:not([hidden])', { timeout: 5000 });
  result.selected = await page.textContent('#facility-info');
  await page.click('#move');
  await page.mouse.click(box.x + point.x + 120, box.y + point.y + 60);
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('Đã di chuyển'), null, { timeout: 10000 });
  result.moved = await page.textContent('#message');
  await screenshot(page, artefacts, 'admin-checkpoint-moved');
} catch (e) {
  problems.push(`test: ${e.message}`);
  result.last_message = await page.textContent('#message').catch(() => '');
  await screenshot(page, artefacts, 'admin-move-failure').catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
