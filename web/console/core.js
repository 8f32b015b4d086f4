// Shared by the console's modules: the JSON API with the session's CSRF
// token, the event stream's subscribers, and small helpers. Every string
// from the server goes into the page through textContent, never as HTML.

export const $ = (id) => document.getElementById(id);

// session is who is logged in: {username, role, csrf}, and the station
// the console follows.
export const session = { username: "", role: "", csrf: "", station: "" };

export const isAdmin = () => session.role === "admin";

// api calls the JSON API with the session cookie, and the CSRF token on
// anything that changes state. It throws an Error carrying .status.
export async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = session.csrf;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw Object.assign(new Error(data.error || resp.statusText), { status: resp.status });
  return data;
}

// stationPath is /api/stations/{the followed station}.
export const stationPath = () => `/api/stations/${encodeURIComponent(session.station)}`;

const handlers = new Map();

// onEvent registers fn for the event stream's events of type (nowplaying,
// listeners, mixer, meters, log), parsed from JSON.
export function onEvent(type, fn) {
  if (!handlers.has(type)) handlers.set(type, []);
  handlers.get(type).push(fn);
}

// dispatch hands an event to its subscribers; console.js feeds it.
export function dispatch(type, data) {
  for (const fn of handlers.get(type) || []) {
    try { fn(data); } catch (err) { console.error(`${type} handler:`, err); }
  }
}

const views = new Map();

// onView registers fn to run each time the view named name (the part of
// the URL after #) is shown, and on a station change while it is shown.
export function onView(name, fn) {
  if (!views.has(name)) views.set(name, []);
  views.get(name).push(fn);
}

export function viewShown(name) {
  for (const fn of views.get(name) || []) {
    try { fn(); } catch (err) { console.error(`${name} view:`, err); }
  }
}

// currentView is the view on screen.
export const currentView = () => (location.hash || "#studio").slice(1);

// el makes an element with text (never parsed as HTML) and attributes.
export function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  return e;
}

// clock shows milliseconds as m:ss, or h:mm:ss from an hour.
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

// bytes shows a byte count in B, KB, MB or GB.
export function bytes(n) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}
