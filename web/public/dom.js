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

/** A GET of JSON: whether it worked, the status and the body (`{}` when not JSON). */
export async function getJson(url) {
  const response = await fetch(url);
  const body = await response.json().catch(() => ({}));
  return { ok: response.ok, status: response.status, body };
}
