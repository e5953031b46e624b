// The agencies' page: sign in with the organisation's token, then only what its role may
// write: lockdown zones (drawn or made of hamlets) and lifting them, boundary uploads with a
// dry run first, facilities placed by clicking, daily figures, an entity's history and
// revert. The server's error messages are shown as they are.
import * as maplibregl from '/vendor/maplibre-gl/maplibre-gl.mjs';
import { followChanges } from './live.js';
import { $, el, getJson, markSampleData, region, firstView } from './dom.js';

let token = sessionStorage.getItem('covidmap-token');
let me = null;
/** The layers the caller may write (empty for a viewer). */
let writes = new Set();

function say(text, kind = 'ok') {
  const m = $('message');
  m.textContent = text;
  m.className = kind;
}

/** Shows a refusal as the server words it, with every field it names. */
function sayError(status, body) {
  const error = body?.error || {};
  const lines = [`${status}: ${error.message || 'lỗi'}`];
  for (const f of error.fields || []) lines.push(`• ${f.field}: ${f.message}`);
  say(lines.join('\n'), 'error');
}

/** A call with the token; the body is JSON, or a form (a file upload) as it is. */
async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${token}` };
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) sayError(response.status, answer);
  return { ok: response.ok, status: response.status, body: answer };
}

// ---- map and drawing ----

const map = new maplibregl.Map({ container: 'map', style: '/styles/covid.json', ...firstView(region().bounds) });
map.addControl(new maplibregl.NavigationControl(), 'top-right');
// What is written (here or by anyone) shows as soon as the server has published it.
followChanges(map);
markSampleData();
let mode = null; // 'draw', 'pick', a key of ONE_CLICK, or null (select)
let vertices = [];
let picked = [];
/** What was picked on the map: its table (`lockdown_zones`, a facility kind…) and its
 *  tile properties; null when nothing is. */
let selected = null;
/** The zone being edited (its id), or null when the form declares a new one. */
let editing = null;
/** The vertex being dragged (its index). */
let dragged = null;

function draft() {
  const ring = vertices.length >= 3 ? [...vertices, vertices[0]] : vertices;
  return {
    type: 'FeatureCollection',
    features: [
      ...(vertices.length >= 3 ? [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: {} }] : []),
      ...vertices.map((v, i) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: v }, properties: { i } })),
    ],
  };
}

function redraw() {
  map.getSource('draft')?.setData(draft());
  if (map.getLayer('picked')) map.setFilter('picked', ['in', ['get', 'code'], ['literal', picked]]);
}

map.on('load', () => {
  map.addSource('draft', { type: 'geojson', data: draft() });
  map.addLayer({ id: 'draft-fill', type: 'fill', source: 'draft', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#c62828', 'fill-opacity': 0.35 } });
  map.addLayer({ id: 'draft-vertices', type: 'circle', source: 'draft', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 6, 'circle-color': '#b71c1c', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  // Invisible, but what a click in a hamlet finds when picking hamlets.
  map.addLayer({ id: 'hamlets-hit', type: 'fill', source: 'covidmap', 'source-layer': 'hamlets', minzoom: 12, paint: { 'fill-opacity': 0 } }, 'hamlets-line');
  map.addLayer({ id: 'picked', type: 'fill', source: 'covidmap', 'source-layer': 'hamlets', filter: ['in', ['get', 'code'], ['literal', []]], paint: { 'fill-color': '#c62828', 'fill-opacity': 0.45 } });
  // A boundary upload's dry run: the file's new and changed units, and the ones it removes.
  map.addSource('upload-preview', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: 'upload-preview-fill', type: 'fill', source: 'upload-preview', paint: { 'fill-color': ['match', ['get', 'change'], 'added', '#2e7d32', '#6a1b9a'], 'fill-opacity': 0.3 } });
  map.addLayer({ id: 'upload-preview-line', type: 'line', source: 'upload-preview', paint: { 'line-color': ['match', ['get', 'change'], 'added', '#2e7d32', '#6a1b9a'], 'line-width': 2 } });
  map.addLayer({ id: 'upload-removed', type: 'line', source: 'covidmap', 'source-layer': 'hamlets', filter: ['in', ['get', 'code'], ['literal', []]], paint: { 'line-color': '#d84315', 'line-width': 3, 'line-dasharray': [2, 1] } });
});

// Dragging a vertex of the zone being drawn or edited.
map.on('mousedown', 'draft-vertices', (e) => {
  if (mode !== 'draw') return;
  e.preventDefault(); // no panning while a vertex moves
  dragged = e.features[0].properties.i;
  map.getCanvas().style.cursor = 'grabbing';
});
map.on('mousemove', (e) => {
  if (dragged === null) return;
  vertices[dragged] = [e.lngLat.lng, e.lngLat.lat];
  redraw();
});
map.on('mouseup', () => {
  if (dragged === null) return;
  dragged = null;
  map.getCanvas().style.cursor = '';
});

map.on('click', async (e) => {
  const at = [e.lngLat.lng, e.lngLat.lat];
  if (mode === 'draw') {
    // A click on a vertex is the end of dragging it (or a drag too short to move it).
    if (map.queryRenderedFeatures(e.point, { layers: ['draft-vertices'] }).length) return;
    vertices.push(at);
    return redraw();
  }
  if (mode === 'pick') {
    const hamlet = map.queryRenderedFeatures(e.point, { layers: ['hamlets-hit'] })[0];
    if (!hamlet) return say('Phóng to tới mức thấy xóm/khối (từ z12) rồi bấm vào xóm.', 'error');
    const code = hamlet.properties.code;
    picked = picked.includes(code) ? picked.filter((c) => c !== code) : [...picked, code];
    say(`Đã chọn: ${picked.join(', ') || 'không'}`);
    return redraw();
  }
  if (ONE_CLICK[mode]) {
    const act = ONE_CLICK[mode];
    mode = null;
    return act(at, e.point);
  }
  const point = map.queryRenderedFeatures(e.point, { layers: ['lockdown-points'] })[0];
  if (point) return select('lockdown_points', point.properties);
  const facility = FACILITY_LAYERS.length && map.queryRenderedFeatures(e.point, { layers: FACILITY_LAYERS })[0];
  if (facility) return select(KIND_OF_LAYER[facility.layer.id], facility.properties);
  const zone = map.queryRenderedFeatures(e.point, { layers: ['lockdown-zones-fill', 'lockdown-zones-lifted'] })[0];
  if (zone) select('lockdown_zones', zone.properties);
});

/** The modes that wait for one click on the map, and what that click does. */
const ONE_CLICK = {
  place: (at) => placeFacility(at),
  move: (at) => moveFacility(at),
  point: (at) => declarePoint(at),
  level: (_, pixel) => setLevel(pixel),
};

$('draw').addEventListener('click', () => {
  mode = 'draw';
  picked = [];
  say('Bấm lên bản đồ để đặt các đỉnh của vùng.');
  redraw();
});
$('pick').addEventListener('click', () => {
  mode = 'pick';
  vertices = [];
  say('Bấm vào các xóm/khối cần phong toả.');
  redraw();
});
$('clear').addEventListener('click', () => {
  mode = null;
  vertices = [];
  picked = [];
  stopEditing();
  redraw();
});

// ---- zones ----

const iso = (local) => (local ? new Date(local).toISOString() : undefined);

/** The particulars a zone's or a lockdown point's form declares. */
function declaration(form) {
  const properties = {
    name: form.get('name'),
    level: Number(form.get('level')),
    reason: form.get('reason'),
    started_at: iso(form.get('started_at')),
  };
  if (form.get('planned_end')) properties.planned_end = iso(form.get('planned_end'));
  return properties;
}
/** An instant as a datetime-local input shows it, in the browser's time zone. */
function local(instant) {
  if (!instant) return '';
  const t = new Date(instant);
  return new Date(t.getTime() - t.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function stopEditing() {
  editing = null;
  $('zone-submit').textContent = 'Lưu vùng phong toả';
  $('zone').reset();
}

/** Loads the selected zone into the form and onto the map: its vertices to drag, or the
 *  hamlets it was declared over to pick again. */
async function editZone() {
  const { ok, body } = await api('GET', `/api/v1/layers/zones/${encodeURIComponent(selected.properties.id)}`);
  if (!ok) return;
  const p = body.properties;
  const polygons = body.geometry.type === 'Polygon' ? [body.geometry.coordinates] : body.geometry.coordinates;
  if (!p.unit_codes?.length && polygons.length !== 1) {
    return say(`${p.name} có ${polygons.length} phần tách rời: hãy vẽ lại hoặc chọn lại các xóm/khối.`, 'error');
  }
  const form = $('zone');
  form.name.value = p.name;
  form.level.value = String(p.level);
  form.reason.value = p.reason;
  form.started_at.value = local(p.started_at);
  form.planned_end.value = local(p.planned_end);
  editing = p.id;
  $('zone-submit').textContent = `Lưu thay đổi của ${p.id}`;
  if (p.unit_codes?.length) {
    mode = 'pick';
    vertices = [];
    picked = [...p.unit_codes];
    say('Bấm vào xóm/khối để thêm hoặc bỏ, rồi lưu thay đổi.');
  } else {
    mode = 'draw';
    picked = [];
    vertices = polygons[0][0].slice(0, -1);
    say('Kéo các đỉnh để sửa, bấm để thêm đỉnh, rồi lưu thay đổi.');
  }
  redraw();
}

$('zone').addEventListener('submit', async (e) => {
  e.preventDefault();
  const properties = declaration(new FormData(e.target));
  let geometry = null;
  if (vertices.length >= 3) geometry = { type: 'Polygon', coordinates: [[...vertices, vertices[0]]] };
  else if (picked.length) properties.unit_codes = picked;
  const feature = { type: 'Feature', geometry, properties };
  const { ok, body } = editing
    ? await api('PUT', `/api/v1/zones/${encodeURIComponent(editing)}`, feature)
    : await api('POST', '/api/v1/zones', feature);
  if (ok) {
    say(`Đã lưu vùng phong toả ${body.id} (phiên bản ${body.version_id}).`);
    mode = null;
    vertices = [];
    picked = [];
    stopEditing();
    redraw();
  }
});

/** What the selection panel says of each kind of thing picked. */
function describe(entity, p) {
  const state = p.status === 'active' ? 'đang phong toả' : 'đã dỡ';
  if (entity === 'lockdown_zones') return `${p.name} – cấp ${p.level} – ${state} (${p.id})`;
  if (entity === 'lockdown_points') return `${p.name} – cấp ${p.level} – bán kính ${p.radius_m} m – ${state} (${p.id})`;
  return `${KINDS[entity].label}: ${p.name} (${p.id})`;
}

/** Shows what was picked on the map, with only what the caller may do to it; every role
 *  may read its history. */
function select(entity, properties) {
  selected = { entity, properties };
  $('selection').hidden = false;
  $('selection-info').textContent = describe(entity, properties);
  const zone = entity === 'lockdown_zones';
  const declared = Boolean(DECLARATION_URL[entity]);
  $('edit-zone').hidden = !(zone && writes.has(entity));
  $('lift').hidden = !(declared && writes.has(entity));
  $('move').hidden = declared || !writes.has(entity);
  $('history').hidden = true;
}

/** Where each kind of declaration is lifted (from the server's entities, at sign-in). */
let DECLARATION_URL = {};

$('lift').addEventListener('click', async () => {
  const id = selected.properties.id;
  const { ok } = await api('POST', `/api/v1/${DECLARATION_URL[selected.entity]}/${encodeURIComponent(id)}/lift`);
  if (ok) say(`Đã dỡ phong toả ${id}.`);
});

$('show-history').addEventListener('click', () => showHistory(selected.entity, selected.properties.id));
$('edit-zone').addEventListener('click', () => editZone());

async function showHistory(entity, id) {
  const { ok, body } = await api('GET', `/api/v1/history?entity=${entity}&id=${encodeURIComponent(id)}`);
  if (!ok) return;
  $('history').hidden = false;
  const list = $('entries');
  list.replaceChildren();
  for (const entry of body.entries) {
    const item = el('li', `${new Date(entry.at).toLocaleString('vi-VN')} – ${entry.action} – ${entry.org_id}: ${entry.after?.name ?? ''}`);
    const version = entry.after?.version_id;
    if (version && writes.has(entity)) {
      const back = el('button', 'Khôi phục phiên bản này');
      back.type = 'button';
      back.addEventListener('click', async () => {
        const r = await api('POST', '/api/v1/revert', { entity, id, version_id: version });
        if (r.ok) {
          say(`Đã khôi phục phiên bản ${version} (nay là phiên bản ${r.body.version_id}).`);
          showHistory(entity, id);
        }
      });
      item.append(' ', back);
    }
    list.append(item);
  }
}

// ---- lockdown points ----

$('point').addEventListener('submit', (e) => {
  e.preventDefault();
  mode = 'point';
  say('Bấm vị trí của điểm phong toả trên bản đồ.');
});

async function declarePoint(at) {
  const form = new FormData($('point'));
  const properties = { ...declaration(form), radius_m: Number(form.get('radius_m')) };
  const { ok, body } = await api('POST', '/api/v1/lockdown-points', {
    type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties,
  });
  if (ok) say(`Đã lưu điểm phong toả ${body.id} (phiên bản ${body.version_id}).`);
}

// ---- commune epidemic levels ----

$('level').addEventListener('submit', (e) => {
  e.preventDefault();
  mode = 'level';
  say('Bấm vào xã/phường trên bản đồ.');
});

async function setLevel(point) {
  const commune = map.queryRenderedFeatures(point, { layers: ['commune-levels'] })[0];
  if (!commune) return say('Không thấy xã/phường ở đó: phóng to (từ z7) rồi bấm lại.', 'error');
  const form = new FormData($('level'));
  const level = Number(form.get('level'));
  const { ok } = await api('PUT', `/api/v1/communes/${encodeURIComponent(commune.properties.code)}/level`, {
    level, active_cases: Number(form.get('active_cases')),
  });
  if (ok) say(`Đã đặt cấp ${level} cho ${commune.properties.name} (${commune.properties.code}).`);
}

// ---- boundaries ----

let uploadForm = null;
let digest = null;

function uploadUrl(form, extra) {
  const params = new URLSearchParams({ level: form.get('level'), ...extra });
  if (form.get('parent')) params.set('parent', form.get('parent'));
  return `/api/v1/boundaries?${params}`;
}

$('upload').addEventListener('submit', async (e) => {
  e.preventDefault();
  uploadForm = new FormData(e.target);
  const { ok, body } = await api('POST', uploadUrl(uploadForm, { dry_run: 'true' }), uploadForm);
  if (!ok) return;
  const diff = body.report.applied.diff;
  digest = body.report.diff_digest;
  const list = $('diff');
  list.replaceChildren(
    el('li', `Thêm: ${diff.added.length} ${diff.added.join(', ')}`),
    el('li', `Thay đổi: ${diff.changed.length} ${diff.changed.map((c) => c.code).join(', ')}`),
    el('li', `Bỏ: ${diff.removed.length} ${diff.removed.join(', ')}`),
    el('li', `Giữ nguyên: ${diff.unchanged}`),
  );
  showPreview(body.report.preview, diff.removed);
  $('preview').hidden = false;
  say('Đây là bản xem trước; chưa có gì thay đổi.');
});

/** Draws a dry run: the file's new and changed units, the removed ones from the tiles. */
function showPreview(outlines, removed) {
  const empty = { type: 'FeatureCollection', features: [] };
  map.getSource('upload-preview')?.setData(outlines || empty);
  map.getLayer('upload-removed') && map.setFilter('upload-removed', ['in', ['get', 'code'], ['literal', removed]]);
  const corners = (outlines?.features || []).flatMap((f) => f.geometry.coordinates.flat(2));
  if (corners.length) {
    const xs = corners.map((c) => c[0]);
    const ys = corners.map((c) => c[1]);
    // Clear of the panel, which floats over the map's left side on wide screens.
    const left = Math.min($('panel').getBoundingClientRect().right + 20, map.getCanvas().clientWidth / 2);
    map.fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]],
      { padding: { top: 40, bottom: 40, right: 40, left }, duration: 0 });
  }
}

$('commit').addEventListener('click', async () => {
  if (!uploadForm) return;
  const { ok, body } = await api('POST', uploadUrl(uploadForm, { expect_diff: digest }), uploadForm);
  if (ok) {
    lastUpload = body.report.applied.upload_id;
    say(`Đã cập nhật ranh giới (lần tải ${lastUpload}).`);
    $('preview').hidden = true;
    $('undo-upload').hidden = false;
    showPreview(null, []);
  }
});

/** The upload just committed, which the district may undo (as a new upload). */
let lastUpload = null;
$('undo-upload').addEventListener('click', async () => {
  if (lastUpload === null) return;
  const { ok, body } = await api('POST', `/api/v1/uploads/${lastUpload}/revert`);
  if (ok) {
    say(`Đã hoàn tác lần tải ${lastUpload} (thành lần tải ${body.upload_id}).`);
    lastUpload = null;
    $('undo-upload').hidden = true;
  }
});

// ---- facilities ----

/** The kinds of facility, as the server names them (GET /api/v1/me, at sign-in). */
let KINDS = {};

function facilityForm() {
  const form = $('facility');
  const kind = KINDS[form.kind.value];
  if (!kind) return;
  form.status.replaceChildren(...kind.statuses.map((s) => el('option', s)));
  form.category.hidden = form.kind.value !== 'essential_services';
  form.capacity.hidden = form.occupancy.hidden = form.kind.value !== 'quarantine_camps';
}

$('facility').kind.addEventListener('change', facilityForm);
$('place').addEventListener('click', () => {
  mode = 'place';
  say('Bấm vào vị trí trên bản đồ.');
});

// A kind's style layer is named as its URL: picking a facility on the map finds its kind.
let FACILITY_LAYERS = [];
let KIND_OF_LAYER = {};

/** Learns the server's entities: the facility kinds, and where declarations are lifted. */
function learnEntities(entities) {
  KINDS = Object.fromEntries(entities.filter((e) => e.facility)
    .map((e) => [e.name, { url: e.url, label: e.title, statuses: e.statuses }]));
  DECLARATION_URL = Object.fromEntries(entities.filter((e) => e.declaration).map((e) => [e.name, e.url]));
  FACILITY_LAYERS = Object.values(KINDS).map((k) => k.url);
  KIND_OF_LAYER = Object.fromEntries(Object.entries(KINDS).map(([kind, k]) => [k.url, kind]));
}

$('move').addEventListener('click', () => {
  mode = 'move';
  say('Bấm vị trí mới trên bản đồ.');
});


/** Moves the selected facility: the same particulars at a new place (a new version). */
async function moveFacility(at) {
  const { entity: kind, properties: p } = selected;
  const properties = { name: p.name, status: p.status };
  for (const key of ['managed_by', 'category', 'capacity', 'occupancy']) {
    if (p[key] !== undefined) properties[key] = p[key];
  }
  const { ok } = await api('PUT', `/api/v1/${KINDS[kind].url}/${encodeURIComponent(p.id)}`, {
    type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties,
  });
  if (ok) say(`Đã di chuyển ${p.name}.`);
}

async function placeFacility(at) {
  const form = $('facility');
  const kind = KINDS[form.kind.value];
  const properties = { name: form.name.value, status: form.status.value };
  if (!form.category.hidden) properties.category = form.category.value;
  if (!form.capacity.hidden) {
    properties.capacity = Number(form.capacity.value);
    properties.occupancy = Number(form.occupancy.value);
  }
  const { ok, body } = await api('POST', `/api/v1/${kind.url}`, {
    type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties,
  });
  if (ok) say(`Đã thêm ${kind.label} ${body.id}.`);
}

// ---- figures ----

$('figures').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const counts = {};
  for (const k of ['new_cases', 'active', 'recovered', 'deaths', 'in_quarantine']) counts[k] = Number(form.get(k));
  const { ok } = await api('PUT', `/api/v1/figures/${encodeURIComponent(form.get('commune'))}/${form.get('day')}`, counts);
  if (ok) say(`Đã lưu số liệu ngày ${form.get('day')}.`);
});

/** The communes the caller may enter figures for: its district's, or the province's. */
async function loadCommunes() {
  const district = me.org.district_code;
  const query = district ? `level=commune&parent=${encodeURIComponent(district)}` : 'level=commune';
  const { ok, body } = await getJson(`/api/v1/units?${query}`);
  if (!ok) return;
  const units = body.features.map((f) => f.properties);
  units.sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  $('figures').commune.replaceChildren(...units.map((u) => Object.assign(el('option', `${u.name} (${u.code})`), { value: u.code })));
}

// ---- who is late ----

const STATE = { late: 'Chậm', on_time: 'Đúng hạn', no_communes: 'Chưa có xã/phường' };

/** The duties this organisation sees: its own, or everyone's for the provincial office and
 * the CDC; late ones first, as the server orders them. */
async function loadDuties() {
  const { ok, body } = await api('GET', '/api/v1/freshness');
  const section = $('duties');
  section.hidden = !ok || body.duties.length === 0;
  if (section.hidden) return;
  const orgs = new Set(body.duties.map((d) => d.org_id));
  const late = body.duties.filter((d) => d.state === 'late').length;
  $('duties-scope').textContent = `${orgs.size > 1 ? `${orgs.size} cơ quan` : me.org.name}: ${late} việc chậm hạn`;
  const table = $('duty-table');
  const head = el('tr');
  head.append(...['Cơ quan', 'Dữ liệu', 'Tần suất', 'Lần cuối', 'Tình trạng', 'Hạn'].map((h) => el('th', h)));
  table.replaceChildren(head);
  const when = (iso) => (iso ? local(new Date(iso)).replace('T', ' ') : 'chưa có');
  for (const d of body.duties) {
    const row = el('tr', null, d.state);
    row.dataset.org = d.org_id;
    row.dataset.collection = d.collection;
    const state = el('td', STATE[d.state] ?? d.state);
    if (d.detail) state.title = d.detail;
    row.append(el('td', d.org_name), el('td', d.collection), el('td', d.every), el('td', when(d.last_changed)),
      state, el('td', d.due ? when(d.due) : '—'));
    table.append(row);
  }
  if (late > 0) section.open = true;
}

// ---- signing in ----

async function signIn() {
  if (!token) return;
  const { ok, body } = await api('GET', '/api/v1/me');
  if (!ok) {
    token = null;
    sessionStorage.removeItem('covidmap-token');
    return;
  }
  me = body;
  sessionStorage.setItem('covidmap-token', token);
  $('signin').hidden = true;
  $('tools').hidden = false;
  $('signout').hidden = false;
  $('who').textContent = `${me.org.name} (${me.role})`;
  writes = new Set(me.writes);
  learnEntities(me.entities);
  for (const section of document.querySelectorAll('#tools details[data-layer]')) {
    const layer = section.dataset.layer;
    section.hidden = layer === 'facilities'
      ? !Object.keys(KINDS).some((k) => writes.has(k))
      : !writes.has(layer);
  }
  const kinds = Object.entries(KINDS).filter(([k]) => writes.has(k));
  $('facility').kind.replaceChildren(...kinds.map(([k, v]) => Object.assign(el('option', v.label), { value: k })));
  facilityForm();
  if (writes.has('daily_figures')) loadCommunes();
  $('figures').day.value = local(new Date()).slice(0, 10);
  loadDuties();
  say(me.writes.length ? `Được cập nhật: ${me.writes.join(', ')}` : 'Chỉ được xem: bấm vào một vùng hoặc một điểm trên bản đồ để xem lịch sử.');
}

$('signin').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  signIn();
});
$('signout').addEventListener('click', () => {
  sessionStorage.removeItem('covidmap-token');
  location.reload();
});

signIn();

// The browser tests read the map from here.
window.covidmap = { map };
