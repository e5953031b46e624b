// The admin page as a district committee uses it: a refused token, signing in, drawing a
// zone that then shows on the public map, a zone in another district refused, and a
// boundary file previewed then committed.
// Usage: node admin_page.mjs BASE_URL --token T --inside '[lon, lat]' --elsewhere '[lon, lat]'
//        --file PATH --parent CODE --artefacts DIR
import { openPage, screenshot, mapIdle, options } from './browser.mjs';

const { base, token, inside, elsewhere, file, parent, artefacts } = options(process.argv.slice(2));
const { browser, context, page, problems } = await openPage({ expectedStatuses: [401, 403] });
const result = { problems };
const message = async () => (await page.textContent('#message')) ?? '';

/** Draws a square of four clicks around a place, `half` pixels from it. */
async function drawAround(place, half = 40) {
  await page.evaluate((p) => window.covidmap.map.jumpTo({ center: p, zoom: 15 }), place);
  await mapIdle(page);
  await page.click('#draw');
  const box = await page.locator('#map').boundingBox();
  const centre = await page.evaluate((p) => window.covidmap.map.project(p), place);
  for (const [dx, dy] of [[-half, -half], [half, -half], [half, half], [-half, half]]) {
    await page.mouse.click(box.x + centre.x + dx, box.y + centre.y + dy);
  }
}

async function saveZone(name) {
  await page.fill('#zone input[name=name]', name);
  await page.fill('#zone input[name=reason]', 'Ca mắc trong cộng đồng');
  await page.fill('#zone input[name=started_at]', '2021-09-13T08:00');
  await page.click('#zone button[type=submit]');
  await page.waitForFunction(() => document.querySelector('#message').textContent.length > 0 && !document.querySelector('#message').textContent.startsWith('Bấm'));
}

try {
  await page.goto(`${base}/admin`);
  await mapIdle(page);

  // A wrong token: the server's words, as they are.
  await page.fill('#token', 'cm_wrong');
  await page.click('#signin button');
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('401'));
  result.wrong_token = await message();

  await page.fill('#token', token);
  await page.click('#signin button');
  await page.waitForSelector('#tools:not([hidden])');
  result.who = await page.textContent('#who');
  result.signin_visible = await page.isVisible('#signin');
  result.sections = await page.$$eval('#tools details[data-layer]', (ds) =>
    Object.fromEntries(ds.map((d) => [d.dataset.layer, !d.hidden])));
  await screenshot(page, artefacts, 'admin-signed-in');

  // A zone drawn in the district.
  const name = `Phong toả thử ${Date.now()}`;
  await drawAround(JSON.parse(inside));
  await saveZone(name);
  result.saved = await message();
  await screenshot(page, artefacts, 'admin-zone-drawn');

  // It shows on the public map.
  const started = Date.now();
  const pub = await context.newPage();
  await pub.goto(`${base}/`);
  await pub.waitForFunction(() => window.covidmap?.map?.loaded());
  await pub.evaluate((p) => window.covidmap.map.jumpTo({ center: p, zoom: 15 }), JSON.parse(inside));
  await pub.waitForFunction((n) => {
    const map = window.covidmap.map;
    return map.queryRenderedFeatures({ layers: ['lockdown-zones-fill'] }).some((f) => f.properties.name === n);
  }, name, { timeout: 15000, polling: 250 });
  result.public_map_seconds = (Date.now() - started) / 1000;
  await mapIdle(pub);
  await screenshot(pub, artefacts, 'public-shows-new-zone');
  await pub.close();

  // Another district's ground: refused, in the server's words.
  await page.click('#clear');
  await drawAround(JSON.parse(elsewhere));
  await saveZone('Phong toả ngoài huyện');
  result.elsewhere = await message();
  await screenshot(page, artefacts, 'admin-zone-refused');

  // A boundary file: dry run, then commit.
  await page.click('details[data-layer=boundaries] summary');
  await page.setInputFiles('#upload input[name=file]', file);
  await page.fill('#upload input[name=parent]', parent);
  await page.click('#upload button[type=submit]');
  await page.waitForSelector('#preview:not([hidden])', { timeout: 20000 });
  result.diff = await page.textContent('#diff');
  await screenshot(page, artefacts, 'admin-upload-preview');
  await page.click('#commit');
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('Đã cập nhật ranh giới'), null, { timeout: 20000 });
  result.committed = await message();
  await screenshot(page, artefacts, 'admin-upload-committed');
} catch (e) {
  problems.push(`test: ${e.message}`);
  result.last_message = await message().catch(() => '');
  await screenshot(page, artefacts, 'admin-failure').catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
