// The DJ console: log in, pick a view, see what is on air, run the
// talk-over mixer. Live parts follow GET /api/events (Server-Sent Events)
// and reach the views through core.js's onEvent. Every string from the
// server goes in through textContent, never as HTML.
import { $, api, session, isAdmin, dispatch, onEvent, viewShown, currentView, stationPath, clock } from "./core.js";
import "./library.js";
import "./playlists.js";
import "./listeners.js";
import "./push.js";
import "./settings.js";
import "./logs.js";
import * as talkLease from "./talk.js";

let events = null;

async function start() {
  try {
    const s = await api("GET", "/api/session");
    loggedIn(s);
  } catch {
    showLogin();
  }
}

function showLogin() {
  $("login").hidden = false;
  $("app").hidden = $("nav").hidden = $("logout").hidden = true;
  $("who").textContent = "";
}

$("login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  try {
    loggedIn(await api("POST", "/api/login", { username: f.get("username"), password: f.get("password") }));
  } catch (err) {
    $("login-error").textContent = err.status === 429 ? "Too many attempts: wait and try again." : "Wrong username or password.";
  }
});

$("logout").addEventListener("click", async () => {
  await api("POST", "/api/logout").catch(() => {});
  if (events) events.close();
  talkLease.leave();
  session.csrf = "";
  showLogin();
});

async function loggedIn(s) {
  Object.assign(session, { username: s.username, role: s.role, csrf: s.csrf });
  for (const a of document.querySelectorAll("[data-admin]")) a.hidden = !isAdmin();
  $("who").textContent = `${s.username} (${s.role})`;
  $("login").hidden = true;
  $("app").hidden = $("nav").hidden = $("logout").hidden = false;
  const stations = await api("GET", "/api/stations");
  const sel = $("station");
  sel.replaceChildren(...stations.map((st) => new Option(st.name || st.id, st.id)));
  $("station-pick").hidden = stations.length < 2;
  session.station = stations.length ? stations[0].id : "";
  const micOf = (id) => (stations.find((st) => st.id === id) || {}).mic;
  const showMicChoice = () => {
    $("browser-mic").hidden = micOf(session.station) !== "browser";
    $("mic-input-row").hidden = (micOf(session.station) || "none") === "none";
  };
  sel.onchange = () => { session.station = sel.value; showMicChoice(); follow(); showView(); };
  showMicChoice();
  follow();
  showView();
}

// A station renamed in Settings is relabelled in the picker.
window.addEventListener("onair:stations", async () => {
  const stations = await api("GET", "/api/stations").catch(() => []);
  for (const opt of $("station").options) {
    const st = stations.find((x) => x.id === opt.value);
    if (st) opt.text = st.name || st.id;
  }
});

// showView shows the sections of the view named in the URL's #.
function showView() {
  let view = currentView();
  const known = [...document.querySelectorAll("section[data-view]")].map((s) => s.dataset.view);
  const adminOnly = [...document.querySelectorAll("nav a[data-admin]")].map((a) => a.hash.slice(1));
  if (!known.includes(view) || (adminOnly.includes(view) && !isAdmin())) view = "studio";
  for (const s of document.querySelectorAll("section[data-view]")) s.hidden = s.dataset.view !== view;
  for (const a of document.querySelectorAll("nav a")) {
    if (a.hash === `#${view}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  viewShown(view);
}
window.addEventListener("hashchange", () => { if (session.csrf) showView(); });

// follow loads the station's mixer and listens to its events.
async function follow() {
  if (events) events.close();
  talkLease.follow(showMixer, showMicState);
  showMixer(await api("GET", `${stationPath()}/mixer`));
  events = new EventSource(`/api/events?station=${encodeURIComponent(session.station)}`);
  for (const type of ["nowplaying", "mixer", "meters", "listeners", "log", "dead_air"]) {
    events.addEventListener(type, (e) => dispatch(type, JSON.parse(e.data)));
  }
}

onEvent("nowplaying", (n) => showNowPlaying(n));
onEvent("mixer", (m) => showMixer(m));
onEvent("meters", (m) => showMeters(m));
onEvent("listeners", (l) => { $("np-listeners").textContent = listening(l); });
onEvent("dead_air", (d) => showDeadAir(d));

// listening is the count of listeners, with the HLS ones apart.
const listening = (n) => n.hls_listeners ? `${n.listeners} + ${n.hls_listeners} HLS` : `${n.listeners}`;

let np = null;
function showNowPlaying(n) {
  np = n;
  $("np-title").textContent = n.artist ? `${n.artist} - ${n.title}` : n.title;
  $("np-listeners").textContent = listening(n);
  const next = n.next;
  const upcoming = !next ? "—" :
    `${next.artist ? `${next.artist} - ${next.title}` : next.title}${next.duration_ms ? ` (${clock(next.duration_ms)})` : ""}${next.playlist ? ` · ${next.playlist}` : ""}`;
  $("np-next").textContent = n.live ? `after the live show, ${upcoming}` : upcoming;
  const live = $("live-state");
  live.textContent = n.live ? "LIVE DJ on air" : (n.playlist ? `AutoDJ · ${n.playlist}` : "AutoDJ");
  live.classList.toggle("live", n.live);
}

// showDeadAir warns of dead air for a minute: long enough to be seen,
// short enough not to linger once the station sounds again.
let deadAirTimer = 0;
function showDeadAir(d) {
  const el = $("dead-air");
  const at = new Date(d.since).toLocaleTimeString();
  const what = d.source === "live"
    ? "the live show sent only silence; the AutoDJ has the air until it sends sound"
    : (d.track ? `skipped ${d.track}` : "nothing to play");
  el.textContent = `Dead air: ${d.seconds} s of silence from ${at}; ${what}.`;
  el.hidden = false;
  clearTimeout(deadAirTimer);
  deadAirTimer = setTimeout(() => { el.hidden = true; }, 60000);
}

setInterval(() => {
  if (!np || !np.started_at) return;
  const played = Date.now() - Date.parse(np.started_at);
  $("np-time").textContent = np.duration_ms ? `${clock(played)} / ${clock(np.duration_ms)}` : clock(played);
  $("np-progress").value = np.duration_ms ? Math.min(1, played / np.duration_ms) : 0;
}, 500);

$("skip").addEventListener("click", () => api("POST", `${stationPath()}/skip`).catch(report));

function report(err) { $("talk-state").textContent = err.message; }

// The mixer: levels are gains 0..1 shown on the DSP's 0..10 sliders.
const levels = ["music_level", "bg_level", "mic_level"];
const fades = ["music_fade_ms", "mic_fade_ms"];
let dragging = null;

function showMixer(m) {
  for (const k of levels) {
    const el = $(k);
    if (dragging !== k) el.value = (m[k] * 10).toFixed(1);
    el.nextElementSibling.textContent = (m[k] * 10).toFixed(1);
  }
  for (const k of fades) if (document.activeElement !== $(k)) $(k).value = m[k];
  $("ptt").setAttribute("aria-pressed", String(m.talking));
  $("lock").setAttribute("aria-pressed", String(m.lock));
  $("talk-state").textContent = m.lock ? "Locked on air" : (m.talking ? "Talking" : "");
}

for (const k of levels) {
  const el = $(k);
  el.addEventListener("pointerdown", () => { dragging = k; });
  el.addEventListener("input", () => { el.nextElementSibling.textContent = Number(el.value).toFixed(1); });
  el.addEventListener("change", () => {
    dragging = null;
    patch({ [k]: Number(el.value) / 10 });
  });
}
for (const k of fades) $(k).addEventListener("change", () => patch({ [k]: Number($(k).value) }));

function patch(body) {
  api("PATCH", `${stationPath()}/mixer`, body).then(showMixer).catch(report);
}

// Push to Talk talks while it is held: mouse, touch or the space bar.
let holding = false;
function talk(on) {
  if (holding === on) return;
  holding = on;
  talkLease.press(on).catch(report);
}

function showMicState(text, on) {
  $("mic-state").textContent = text;
  $("mic-toggle").setAttribute("aria-pressed", String(on));
}

$("mic-toggle").addEventListener("click", () => {
  if (talkLease.micOn()) talkLease.stopMic();
  else talkLease.startMic();
});
const ptt = $("ptt");
ptt.addEventListener("pointerdown", (e) => { ptt.setPointerCapture(e.pointerId); talk(true); });
for (const ev of ["pointerup", "pointercancel", "lostpointercapture"]) ptt.addEventListener(ev, () => talk(false));
document.addEventListener("keydown", (e) => {
  if (e.code === "Space" && !e.repeat && !["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(document.activeElement.tagName)) {
    e.preventDefault();
    talk(true);
  }
});
document.addEventListener("keyup", (e) => { if (e.code === "Space" && holding) talk(false); });
window.addEventListener("blur", () => talk(false));

$("lock").addEventListener("click", () => {
  const on = $("lock").getAttribute("aria-pressed") !== "true";
  api("POST", `${stationPath()}/mixer/lock`, { on }).then(showMixer).catch(report);
});

function showMeters(m) {
  for (const ch of ["music", "mic", "live", "out", "mic_input"]) {
    const v = m[ch];
    if (!v) continue;
    $(`m-${ch}`).value = Math.max(-60, v.peak_db);
    $(`v-${ch}`).textContent = v.peak_db <= -120 ? "—" : `${v.peak_db.toFixed(1)} dB`;
  }
}

start();
