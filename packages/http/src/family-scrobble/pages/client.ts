/**
 * Helpers shared by the browser scripts, as source text. The scripts are
 * plain ES2020 written inside `String.raw` templates: they use no backticks
 * and no `${`, so nothing is interpolated on the server.
 */
// biome-ignore lint/complexity/noUselessStringRaw: keeps any backslash in the browser code literal
const helpers = String.raw`
const $ = (selector, root) => (root || document).querySelector(selector);
const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));

/** Create an element: el("button", { class: "x", type: "button", onclick: fn }, "text", child). */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** Show a message in an alert region (role="alert"); "" clears it. */
function setAlert(region, message) {
  region.textContent = message || "";
}

/** Announce a message in a polite live region, also when it repeats. */
function announce(region, message) {
  region.textContent = "";
  setTimeout(() => { region.textContent = message; }, 50);
}

class ApiError extends Error {
  constructor(status, tag, message, body) {
    super(message);
    this.status = status;
    this.tag = tag;
    this.body = body;
  }
}

/** fetch JSON; a non-2xx answer throws ApiError with the body's "message". */
async function requestJson(method, path, body, headers) {
  const init = { method, headers: Object.assign({ accept: "application/json" }, headers || {}), credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    throw new ApiError(0, "NetworkError", "Could not reach the server. Check your connection and try again.");
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (cause) { data = null; }
  }
  if (!response.ok) {
    const message = data && typeof data.message === "string" && data.message
      ? data.message
      : "The server answered " + response.status + (response.statusText ? " " + response.statusText : "") + ". Please try again.";
    throw new ApiError(response.status, (data && data._tag) || "HttpError", message, data);
  }
  return data;
}

/** A date for people, in the browser's locale; "—" when missing. */
function formatDate(value, dateOnly) {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return dateOnly
    ? date.toLocaleDateString(undefined, { dateStyle: "medium" })
    : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

const enc = encodeURIComponent;
`

/** Wrap a script body with the shared helpers in a strict IIFE. */
export const clientScript = (body: string): string => `(() => {\n"use strict";\n${helpers}\n${body}\n})();\n`
