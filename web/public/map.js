// The public map: our style and tiles, an address box with suggestions, "my location", the
// status card, the figures and the latest directives. Every text from the server is put in
// with textContent, never as HTML.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';
import { STRINGS, LEVEL_COLOURS } from './i18n.js';
import { followChanges } from './live.js';
import { $, el, getJson, markSampleData, region, firstView, timeZoneOf } from './dom.js';

let lang = new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'vi';
const t = (key) => STRINGS[lang][key];
const REGION = region();
const TIME_ZONE = timeZoneOf(REGION.utcOffset);
const dateTime = (iso) =>
  iso ? new Date(iso).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: TIME_ZONE }) : '–';
const distance = (m) => (m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`);

// ---- map ----

const map = new maplibregl.Map({
  container: 'map',
  style: '/styles/covid.json',
  ...firstView(REGION.bounds),
  attributionControl: { compact: true },
});
map.addControl(new maplibregl.NavigationControl(), 'top-right');
let marker = null;

/** The style layers each toggle shows or hides. */
const TOGGLES = {
  zones: ['lockdown-zones-fill', 'lockdown-zones-outline', 'lockdown-zones-lifted', 'lockdown-zone-labels'],
  points: ['lockdown-points'],
  checkpoints: ['checkpoints', 'facility-labels'],
  camps: ['quarantine-camps'],
  testing: ['testing-sites'],
  services: ['essential-services'],
  levelsLayer: ['commune-levels'],
};

function buildLegend() {
  const levels = $('levels');
  levels.replaceChildren();
  t('levels').forEach((label, i) => {
    const item = el('li');
    const swatch = el('span', null, 'swatch');
    swatch.style.background = LEVEL_COLOURS[i];
    item.append(swatch, label);
    levels.append(item);
  });
  const toggles = $('toggles');
  toggles.replaceChildren();
  for (const [key, ids] of Object.entries(TOGGLES)) {
    const item = el('li');
    const label = el('label');
    const box = el('input');
    box.type = 'checkbox';
    box.checked = ids.every((id) => !map.getLayer(id) || map.getLayoutProperty(id, 'visibility') !== 'none');
    box.dataset.layer = key;
    box.addEventListener('change', () => {
      for (const id of ids) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', box.checked ? 'visible' : 'none');
    });
    label.append(box, ' ', t('layers')[key]);
    item.append(label);
    toggles.append(item);
  }
}

// ---- status card ----

function cover(list, c) {
  const dl = el('dl');
  const row = (term, value) => {
    if (value === undefined || value === null || value === '') return;
    dl.append(el('dt', term), el('dd', value));
  };
  row(t('level'), c.level);
  row(t('since'), dateTime(c.since));
  row(t('until'), c.planned_end ? dateTime(c.planned_end) : null);
  row(t('reason'), c.reason);
  row(t('declaredBy'), c.declared_by);
  const item = el('li');
  item.append(el('strong', c.name), dl);
  list.append(item);
}

let lastAnswer = null;

function showStatus(answer) {
  lastAnswer = answer;
  const card = $('card');
  card.replaceChildren();
  card.hidden = false;
  const lockdown = answer.lockdown || {};
  let verdict;
  if (answer.inside_province === false) verdict = el('div', `${t('outside')} ${REGION.name}`, 'verdict outside');
  else if (lockdown.in_lockdown) verdict = el('div', t('inLockdown'), 'verdict lockdown');
  else if (lockdown.partial) verdict = el('div', t('partial'), 'verdict partial');
  else verdict = el('div', t('notLockdown'), 'verdict');
  verdict.id = 'verdict';
  card.append(verdict);
  const units = answer.units || {};
  const place = ['hamlet', 'commune', 'district'].map((k) => units[k]?.name).filter(Boolean).join(', ');
  if (place) card.append(el('p', place, 'place'));
  for (const f of answer.former_names || []) {
    const said = t('change')[f.change](f.name, f.now, units.district?.name);
    card.append(el('p', `${said} (${t('byAct')(f.act, f.effective)})`, 'former'));
  }
  if (answer.confidence !== undefined && answer.confidence < CONFIDENT) unsure(card, answer);
  if (lockdown.partial && lockdown.advice) card.append(el('p', t('gpsAdvice')));
  if ((lockdown.covered_by || []).length) {
    const list = el('ul', null, 'covers');
    lockdown.covered_by.forEach((c) => cover(list, c));
    card.append(list);
  }
  const facts = el('dl');
  const nearest = answer.nearest || {};
  for (const [key, label] of [['checkpoint', 'checkpoint'], ['testing_site', 'testingSite'], ['quarantine_camp', 'camp']]) {
    const n = nearest[key];
    if (n) facts.append(el('dt', t(label)), el('dd', `${n.name} – ${distance(n.distance_m)}`));
  }
  if (answer.epidemic_level) facts.append(el('dt', t('epidemicLevel')), el('dd', answer.epidemic_level.level));
  facts.append(el('dt', t('updated')), el('dd', dateTime(answer.data_changed_at)));
  card.append(facts);
}

// From this confidence an address's answer is the place meant (the server's rule); below
// it the card says it is unsure and offers the other readings.
const CONFIDENT = 0.6;

function unsure(card, answer) {
  const split = (answer.former_names || []).some((f) => f.change === 'split');
  const others = answer.alternatives || [];
  if (!others.length) {
    card.append(el('p', t(split ? 'splitAdvice' : 'unsure'), 'unsure'));
    return;
  }
  card.append(el('p', t(split ? 'splitAdvice' : 'didYouMean'), 'unsure'));
  const list = el('ul', null, 'alternatives');
  for (const other of others) {
    const name = ['hamlet', 'commune', 'district'].map((k) => other.units?.[k]?.name).filter(Boolean).join(', ');
    const pick = el('button', name);
    pick.type = 'button';
    pick.addEventListener('click', () => { $('address').value = name; statusOf(name); });
    const item = el('li');
    item.append(pick);
    list.append(item);
  }
  card.append(list);
}

function showError(message) {
  const card = $('card');
  card.hidden = false;
  card.replaceChildren(el('div', message, 'verdict outside'));
}

async function statusAt(lon, lat) {
  const { ok, body } = await getJson(`/api/v1/status?lat=${lat}&lon=${lon}`);
  if (!ok) return showError(body.error?.message || t('notFound'));
  showStatus(body);
  if (marker) marker.remove();
  marker = new maplibregl.Marker({ color: '#0d47a1' }).setLngLat([lon, lat]).addTo(map);
  map.flyTo({ center: [lon, lat], zoom: 14 });
}

async function statusOf(address) {
  const { ok, body } = await getJson(`/api/v1/status?address=${encodeURIComponent(address)}`);
  if (!ok) return showError(body.error?.message || t('notFound'));
  showStatus(body);
  const from = body.nearest_from;
  if (from) {
    if (marker) marker.remove();
    marker = new maplibregl.Marker({ color: '#0d47a1' }).setLngLat([from.lon, from.lat]).addTo(map);
    map.flyTo({ center: [from.lon, from.lat], zoom: 14 });
  }
}

// ---- address box ----

let suggestions = [];
let pending = null;

function renderSuggestions() {
  const list = $('suggestions');
  list.replaceChildren();
  list.hidden = suggestions.length === 0;
  suggestions.forEach((s, i) => {
    const item = el('li', s.label);
    item.setAttribute('role', 'option');
    item.dataset.index = i;
    item.addEventListener('mousedown', (e) => {
      e.preventDefault();
      pick(i);
    });
    list.append(item);
  });
}

function pick(i) {
  const s = suggestions[i];
  if (!s) return;
  $('address').value = s.label;
  suggestions = [];
  renderSuggestions();
  statusOf(s.label);
}

$('address').addEventListener('input', () => {
  clearTimeout(pending);
  const q = $('address').value.trim();
  if (q.length < 2) {
    suggestions = [];
    return renderSuggestions();
  }
  pending = setTimeout(async () => {
    const { ok, body } = await getJson(`/api/v1/search?q=${encodeURIComponent(q)}`);
    if (!ok || $('address').value.trim() !== q) return;
    suggestions = body.results.map((r) => ({ label: [r.name, ...r.parents.map((p) => p.name)].join(', ') }));
    renderSuggestions();
  }, 150);
});

$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = $('address').value.trim();
  suggestions = [];
  renderSuggestions();
  if (q) statusOf(q);
});

$('locate').addEventListener('click', () => {
  if (!navigator.geolocation) return showError(t('noLocation'));
  showError(t('locating'));
  navigator.geolocation.getCurrentPosition(
    (p) => statusAt(p.coords.longitude, p.coords.latitude),
    () => showError(t('noLocation')),
    { enableHighAccuracy: true, timeout: 10000 },
  );
});

// ---- figures and documents ----

function chart(days) {
  const svg = $('chart');
  svg.replaceChildren();
  if (!days.length) return;
  const max = Math.max(1, ...days.map((d) => d.new_cases));
  const w = 280 / days.length;
  days.forEach((d, i) => {
    const h = (d.new_cases / max) * 50;
    const bar = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    bar.setAttribute('x', (i * w + 1).toFixed(1));
    bar.setAttribute('y', (55 - h).toFixed(1));
    bar.setAttribute('width', (w - 2).toFixed(1));
    bar.setAttribute('height', h.toFixed(1));
    bar.setAttribute('fill', '#c62828');
    const title = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    title.textContent = `${d.day}: ${d.new_cases}`;
    bar.append(title);
    svg.append(bar);
  });
}

async function loadFigures() {
  const [series, districts, freshness] = await Promise.all([
    getJson('/api/v1/figures'), getJson('/api/v1/figures/districts'), getJson('/api/v1/freshness')]);
  if (series.ok) {
    const s = series.body;
    const totals = $('totals');
    totals.replaceChildren();
    for (const [label, value] of [['newCases', s.totals.new_cases], ['active', s.totals.active_at_end],
      ['deaths', s.totals.deaths], ['quarantine', s.totals.in_quarantine_at_end]]) {
      const box = el('div', t(label));
      box.prepend(el('b', value));
      totals.append(box);
    }
    chart(s.days);
  }
  // Whether each district's figures due now are in (the health centres' daily duty).
  const reporting = new Map((freshness.ok ? freshness.body.figures : []).map((r) => [r.code, r]));
  if (districts.ok) {
    const table = $('districts');
    table.replaceChildren();
    const head = el('tr');
    const due = freshness.ok ? freshness.body.figures[0]?.day : null;
    // The totals are the latest day's; the reports are the day due now, which the header names.
    head.append(el('th', t('district')), el('th', t('newCases')), el('th', t('active')),
      el('th', due ? `${t('reported')} ${due}` : t('reported')));
    table.append(head);
    for (const d of districts.body.districts) {
      const row = el('tr');
      const r = reporting.get(d.code);
      const cell = el('td', r ? `${r.reported}/${r.communes}` : '');
      if (r?.overdue) {
        row.className = 'overdue';
        cell.append(el('small', ` ${t('overdue')}`));
      }
      row.dataset.code = d.code;
      row.append(el('td', d.name), el('td', d.totals.new_cases), el('td', d.totals.active), cell);
      table.append(row);
    }
  }
  if (freshness.ok) {
    $('layer-times').replaceChildren(...freshness.body.layers.map((l) => {
      const item = el('li', `${lang === 'vi' ? l.title : l.title_en}: `);
      item.dataset.collection = l.collection;
      item.append(el('time', l.last_changed ? dateTime(l.last_changed) : t('never')));
      return item;
    }));
  }
}

async function loadDocuments() {
  const { ok, body } = await getJson('/api/v1/documents?limit=5');
  if (!ok) return;
  const list = $('documents');
  list.replaceChildren();
  for (const d of body.documents) {
    const item = el('li');
    const title = `${d.number} – ${d.title}`;
    if (d.has_pdf || d.link) {
      const a = el('a', title);
      a.href = d.has_pdf ? `/api/v1/documents/${encodeURIComponent(d.id)}/pdf` : d.link;
      a.rel = 'noopener';
      a.target = '_blank';
      item.append(a);
    } else {
      item.append(title);
    }
    item.append(el('small', ` (${d.issued_on})`));
    list.append(item);
  }
}

/** When the data last changed, as the change stream last said. */
let lastChange = null;

function showUpdated() {
  if (lastChange) $('updated').textContent = dateTime(lastChange);
}

// ---- language ----

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const e of document.querySelectorAll('[data-t]')) e.textContent = t(e.dataset.t);
  for (const e of document.querySelectorAll('[data-tp]')) e.placeholder = t(e.dataset.tp);
  $('lang').textContent = lang === 'vi' ? 'EN' : 'VI';
  document.title = `${t('title')} – ${REGION.name}`;
  $('title').textContent = document.title;
  if (map.isStyleLoaded()) buildLegend();
  if (lastAnswer && !$('card').hidden) showStatus(lastAnswer);
  loadFigures();
}

$('lang').addEventListener('click', () => {
  lang = lang === 'vi' ? 'en' : 'vi';
  applyLanguage();
  showUpdated();
});

applyLanguage();
map.on('load', buildLegend);
loadDocuments();
markSampleData();
// New data (an agency's edit, a boundary upload): the time in the header, the tiles again.
followChanges(map, (change) => {
  lastChange = change.data_changed_at;
  showUpdated();
});

// The browser tests read the map from here.
window.covidmap = { map };
