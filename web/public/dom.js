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
