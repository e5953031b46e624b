// The police move a checkpoint on the admin page: click it on the map, "move", click the new
// place. Then a viewer's token: the same checkpoint shows its history, and nothing to change.
// Usage: node admin_move.mjs BASE_URL --token T --viewer T --at '[lon, lat]' --artefacts DIR
import { openPage, screenshot, jumpTo, mapIdle, signIn, options } from './browser.mjs';

const { base, token, viewer, at, artefacts } = options(process.argv.slice(2));
const { browser, page, problems } = await openPage();
const result = { problems };

/** Clicks a place on the map, `dx`, `dy` pixels off; returns where that is. */
async function clickNear(place, dx = 0, dy = 0) {
  const box = await page.locator('#map').boundingBox();
  const point = await page.evaluate((p) => window.covidmap.map.project(p), place);
  await page.mouse.click(box.x + point.x + dx, box.y + point.y + dy);
  return page.evaluate(([x, y]) => window.covidmap.map.unproject([x, y]).toArray(), [point.x + dx, point.y + dy]);
}

const visible = (ids) => page.evaluate((list) => Object.fromEntries(list.map((id) => [id, !document.getElementById(id).hidden])), ids);

try {
  await page.goto(`${base}/admin`);
  await signIn(page, token);
  const place = JSON.parse(at);
  await jumpTo(page, place, 16);
  await clickNear(place);
  await page.waitForSelector('#selection:not([hidden])', { timeout: 5000 });
  result.selected = await page.textContent('#selection-info');
  result.police_buttons = await visible(['edit-zone', 'lift', 'move', 'show-history']);
  await page.click('#move');
  const moved = await clickNear(place, 120, 60);
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('Đã di chuyển'), null, { timeout: 10000 });
  result.moved = await page.textContent('#message');
  await screenshot(page, artefacts, 'admin-checkpoint-moved');

  // A viewer: the checkpoint where it now is, its history, and no button to change it.
  await page.click('#signout');
  await page.waitForSelector('#signin:not([hidden])');
  await mapIdle(page);
  await signIn(page, viewer);
  result.viewer_message = await page.textContent('#message');
  result.viewer_sections = await page.$$eval('#tools details[data-layer]', (ds) => ds.filter((d) => !d.hidden).length);
  await jumpTo(page, moved, 16);
  await clickNear(moved);
  await page.waitForSelector('#selection:not([hidden])', { timeout: 5000 });
  result.viewer_selected = await page.textContent('#selection-info');
  result.viewer_buttons = await visible(['edit-zone', 'lift', 'move', 'show-history']);
  await page.click('#show-history');
  await page.waitForSelector('#entries li');
  result.viewer_history = await page.$$eval('#entries li', (items) => items.map((i) => i.textContent));
  result.viewer_restore_buttons = await page.$$eval('#entries button', (b) => b.length);
  await screenshot(page, artefacts, 'admin-viewer-history');
} catch (e) {
  problems.push(`test: ${e.message}`);
  result.last_message = await page.textContent('#message').catch(() => '');
  await screenshot(page, artefacts, 'admin-move-failure').catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
