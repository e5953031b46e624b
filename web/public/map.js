// The public map: our style and tiles, served by covidmap itself.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';

const map = new maplibregl.Map({
  container: 'map',
  style: '/styles/covid.json',
  center: [105.0, 19.2],
  zoom: 7,
  attributionControl: { compact: true },
});
map.addControl(new maplibregl.NavigationControl(), 'top-right');

// The browser tests read the map from here.
window.covidmap = { map };
