// What both pages use to build their panels and ask the API.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** An element with text (set as text, never as HTML) and, if given, a class. */
export function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

/** What the page covers, as the server filled it in: the provinces' names, the box around
 * their outlines (`[[w, s], [e, n]]`, or null before any boundary is loaded) and their UTC
 * offset ("+07:00"). */
export function region() {
  const meta = document.querySelector('meta[name="covidmap-region"]');
  const box = (meta?.dataset.bounds || '').split(',').map(Number);
  return {
    name: meta?.content || '',
    bounds: box.length === 4 && box.every(Number.isFinite) ? [[box[0], box[1]], [box[2], box[3]]] : null,
    utcOffset: meta?.dataset.utcOffset || '+07:00',
  };
}

/** The time zone dates are shown in: Vietnam's by name for +07:00, otherwise the offset
 * itself where the browser takes offsets (newer ones do), otherwise UTC. */
export function timeZoneOf(utcOffset) {
  if (utcOffset === '+07:00') return 'Asia/Ho_Chi_Minh';
  try {
    new Intl.DateTimeFormat('en', { timeZone: utcOffset });
    return utcOffset;
  } catch {
    return 'UTC';
  }
}

/** A map's first view: the region's outline, or the whole country before there is one. */
export function firstView(bounds) {
  return bounds ? { bounds, fitBoundsOptions: { padding: 20 } } : { center: [106.0, 16.0], zoom: 5 };
}

/** Shows the page's band while the server serves the generated sample of the demo, so that
 * nobody takes its lockdowns and figures for real ones. */
export async function markSampleData() {
  const { ok, body } = await getJson('/health');
  const band = $('sample-band');
  if (band) band.hidden = !(ok && body.sample_data === true);
}

/** A GET of JSON: whether it worked, the status and the body (`{}` when not JSON). */
export async function getJson(url) {
  const response = await fetch(url);
  const body = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body };
}
