// The admin page as a district committee uses it: a refused token, signing in, drawing a
// zone that then shows on the public map, editing its outline, lifting it, restoring its
// first version from its history, a zone of picked hamlets, a zone in another district
// refused, and a boundary file previewed on the map then committed.
// Usage: node admin_page.mjs BASE_URL --token T --inside '[lon, lat]' --elsewhere '[lon, lat]'
//        --hamlets '[[lon, lat], …]' --file PATH --parent CODE --artefacts DIR
import { openPage, screenshot, mapIdle, jumpTo, signIn, options } from './browser.mjs';

const { base, token, inside, elsewhere, hamlets, file, parent, artefacts } = options(process.argv.slice(2));
const { browser, context, page, problems } = await openPage({ expectedStatuses: [401, 403] });
const result = { problems };
const message = async () => (await page.textContent('#message')) ?? '';

/** Draws a square of four clicks around a place, `half` pixels from it. */
async function drawAround(place, half = 40) {
  await jumpTo(page, place, 15);
  await page.click('#draw');
  const box = await page.locator('#map').boundingBox();
  const centre = await page.evaluate((p) => window.covidmap.map.project(p), place);
  for (const [dx, dy] of [[-half, -half], [half, -half], [half, half], [-half, half]]) {
    await page.mouse.click(box.x + centre.x + dx, box.y + centre.y + dy);
  }
}

/** Does something and waits for the page's answer (not a hint of what to click next). */
async function act(step) {
  await page.evaluate(() => { document.querySelector('#message').textContent = ''; });
  await step();
  await page.waitForFunction(() => {
    const text = document.querySelector('#message').textContent;
    return text.length > 0 && !/^(Bấm|Kéo)/.test(text);
  }, null, { timeout: 20000 });
  return message();
}

async function saveZone(name) {
  await page.fill('#zone input[name=name]', name);
  await page.fill('#zone input[name=reason]', 'Ca mắc trong cộng đồng');
  await page.fill('#zone input[name=started_at]', '2021-09-13T08:00');
  return act(() => page.click('#zone-submit'));
}

/** Where a place is on the screen, in page pixels. */
async function pixel(place) {
  const box = await page.locator('#map').boundingBox();
  const p = await page.evaluate((q) => window.covidmap.map.project(q), place);
  return { x: box.x + p.x, y: box.y + p.y };
}

/** Waits until the admin map draws a zone of this name. */
async function zoneShown(name) {
  await page.waitForFunction((n) => window.covidmap.map.queryRenderedFeatures({ layers: ['lockdown-zones-fill'] })
    .some((f) => f.properties.name === n), name, { timeout: 15000, polling: 250 });
}

try {
  await page.goto(`${base}/admin`);
  await mapIdle(page);
  await page.waitForSelector('#sample-band', { state: 'visible', timeout: 10000 }).catch(() => {});
  result.sample_band = (await page.isVisible('#sample-band')) ? await page.textContent('#sample-band') : null;

  // A wrong token: the server's words, as they are.
  await page.fill('#token', 'cm_wrong');
  await page.click('#signin button');
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('401'));
  result.wrong_token = await message();

  await signIn(page, token);
  result.who = await page.textContent('#who');
  result.signin_visible = await page.isVisible('#signin');
  result.sections = await page.$$eval('#tools details[data-layer]', (ds) =>
    Object.fromEntries(ds.map((d) => [d.dataset.layer, !d.hidden])));
  await screenshot(page, artefacts, 'admin-signed-in');

  // The public map, open on the place before anything is declared there.
  const pub = await context.newPage();
  await pub.goto(`${base}/`);
  await pub.waitForFunction(() => window.covidmap?.map?.loaded());
  await jumpTo(pub, JSON.parse(inside), 15);

  // A zone drawn in the district.
  const name = `Phong toả thử ${Date.now()}`;
  await drawAround(JSON.parse(inside));
  result.saved = await saveZone(name);
  const started = Date.now();
  await screenshot(page, artefacts, 'admin-zone-drawn');

  // It shows on the public map already open, without reloading it.
  await pub.waitForFunction((n) => {
    const map = window.covidmap.map;
    return map.queryRenderedFeatures({ layers: ['lockdown-zones-fill'] }).some((f) => f.properties.name === n);
  }, name, { timeout: 15000, polling: 250 });
  result.public_map_seconds = (Date.now() - started) / 1000;
  await mapIdle(pub);
  await screenshot(pub, artefacts, 'public-shows-new-zone');
  await pub.close();

  // The admin map redraws with the zone; pick it and drag one corner 40 px further out.
  await zoneShown(name);
  const centre = await pixel(JSON.parse(inside));
  await page.mouse.click(centre.x, centre.y);
  await page.waitForSelector('#selection:not([hidden])');
  result.selected_zone = await page.textContent('#selection-info');
  await page.click('#edit-zone');
  await page.waitForFunction(() => document.querySelector('#zone-submit').textContent.startsWith('Lưu thay đổi'));
  result.edit_name = await page.inputValue('#zone input[name=name]');
  const corner = { x: centre.x + 40, y: centre.y + 40 };
  const box = await page.locator('#map').boundingBox();
  result.corner_found = await page.evaluate(([x, y]) => window.covidmap.map
    .queryRenderedFeatures([[x - 4, y - 4], [x + 4, y + 4]], { layers: ['draft-vertices'] }).length, [corner.x - box.x, corner.y - box.y]);
  await page.mouse.move(corner.x, corner.y);
  await page.mouse.down();
  await page.mouse.move(corner.x + 40, corner.y + 40, { steps: 8 });
  await page.mouse.up();
  await screenshot(page, artefacts, 'admin-zone-corner-dragged');
  result.edited = await act(() => page.click('#zone-submit'));

  // Lifted, then put back as first declared, from its history.
  result.lifted = await act(() => page.click('#lift'));
  await page.click('#show-history');
  await page.waitForFunction(() => document.querySelectorAll('#entries li').length >= 3);
  result.history = await page.$$eval('#entries li', (items) => items.map((i) => i.firstChild.textContent));
  result.restored = await act(() => page.locator('#entries li', { hasText: '– create –' }).locator('button').click());
  await page.waitForFunction(() => document.querySelectorAll('#entries li').length >= 4);
  await screenshot(page, artefacts, 'admin-zone-history-restored');

  // A zone of hamlets picked on the map.
  await page.click('#clear');
  await page.click('#pick');
  for (const place of JSON.parse(hamlets)) {
    await jumpTo(page, place, 15);
    const at = await pixel(place);
    await page.mouse.click(at.x, at.y);
    (result.pick_steps ||= []).push(await message());
  }
  result.picked = await message();
  result.picked_saved = await saveZone(`Phong toả các xóm ${Date.now()}`);
  await screenshot(page, artefacts, 'admin-hamlets-picked');

  // A lockdown point placed by clicking, then picked on the map and lifted.
  const spot = JSON.parse(hamlets)[1];
  const pointName = `Điểm phong toả thử ${Date.now()}`;
  await page.click('details[data-layer=lockdown_points] summary');
  await page.fill('#point input[name=name]', pointName);
  await page.fill('#point input[name=reason]', 'F0 tại nhà');
  await page.fill('#point input[name=started_at]', '2021-09-13T08:00');
  await page.fill('#point input[name=radius_m]', '150');
  result.point_saved = await act(async () => {
    await page.click('#place-point');
    const at = await pixel(spot);
    await page.mouse.click(at.x, at.y);
  });
  await page.waitForFunction((n) => window.covidmap.map.queryRenderedFeatures({ layers: ['lockdown-points'] })
    .some((f) => f.properties.name === n), pointName, { timeout: 15000, polling: 250 });
  const shown = await pixel(spot);
  await page.mouse.click(shown.x, shown.y);
  await page.waitForFunction((n) => document.querySelector('#selection-info').textContent.startsWith(n), pointName);
  result.point_buttons = await page.evaluate(() => Object.fromEntries(['edit-zone', 'lift', 'move', 'show-history']
    .map((id) => [id, !document.getElementById(id).hidden])));
  result.point_lifted = await act(() => page.click('#lift'));
  await screenshot(page, artefacts, 'admin-point-lifted');

  // Another district's ground: refused, in the server's words.
  await page.click('#clear');
  await drawAround(JSON.parse(elsewhere));
  result.elsewhere = await saveZone('Phong toả ngoài huyện');
  await screenshot(page, artefacts, 'admin-zone-refused');

  // A boundary file: dry run, then commit.
  await page.click('details[data-layer=boundaries] summary');
  await page.setInputFiles('#upload input[name=file]', file);
  await page.fill('#upload input[name=parent]', parent);
  await page.click('#upload button[type=submit]');
  await page.waitForSelector('#preview:not([hidden])', { timeout: 20000 });
  result.diff = await page.textContent('#diff');
  await page.waitForFunction(() => window.covidmap.map.queryRenderedFeatures({ layers: ['upload-preview-fill'] }).length > 0);
  await mapIdle(page);
  result.preview_drawn = await page.evaluate(() => window.covidmap.map
    .queryRenderedFeatures({ layers: ['upload-preview-fill'] }).map((f) => `${f.properties.change} ${f.properties.name}`));
  await screenshot(page, artefacts, 'admin-upload-preview');
  await page.click('#commit');
  await page.waitForFunction(() => document.querySelector('#message').textContent.startsWith('Đã cập nhật ranh giới'), null, { timeout: 20000 });
  result.committed = await message();
  await screenshot(page, artefacts, 'admin-upload-committed');
  result.undone = await act(() => page.click('#undo-upload'));
} catch (e) {
  problems.push(`test: ${e.message}`);
  result.last_message = await message().catch(() => '');
  await screenshot(page, artefacts, 'admin-failure').catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
