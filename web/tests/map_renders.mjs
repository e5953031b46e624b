// The public page's map draws our style and tiles: for each view, how many features each
// style layer shows. Usage:
//   node map_renders.mjs BASE_URL --views '[{"name", "center": [lon, lat], "zoom"}]' --artefacts DIR
import { openPage, screenshot, mapIdle, jumpTo, options } from './browser.mjs';

const { base, views, artefacts } = options(process.argv.slice(2));
const { browser, page, problems } = await openPage();
const tiles = [];
page.on('response', (r) => {
  if (r.url().includes('/tiles/')) tiles.push(r.status());
});
const result = { problems, views: {}, labels: {} };
try {
  await page.goto(`${base}/`);
  await mapIdle(page);
  await screenshot(page, artefacts, 'map-start');
  for (const view of JSON.parse(views)) {
    await jumpTo(page, view.center, view.zoom);
    await screenshot(page, artefacts, `map-${view.name}`);
    const drawn = await page.evaluate(() => {
      const counts = {};
      const labels = {};
      for (const f of window.covidmap.map.queryRenderedFeatures()) {
        counts[f.layer.id] = (counts[f.layer.id] || 0) + 1;
        if (f.layer.id.endsWith('-labels')) (labels[f.layer.id] ||= []).push(f.properties.name);
      }
      return { counts, labels };
    });
    result.views[view.name] = drawn.counts;
    result.labels = { ...result.labels, [view.name]: drawn.labels };
  }
  result.tile_statuses = tiles;
} catch (e) {
  problems.push(`test: ${e.message}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
