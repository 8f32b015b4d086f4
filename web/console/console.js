// The DJ console: log in, see what is on air, run the talk-over mixer.
// Live parts follow GET /api/events (Server-Sent Events). Every string from
// the server goes in through textContent, never as HTML.

const $ = (id) => document.getElementById(id);
let csrf = "";
let station = "";
let events = null;

// api calls the JSON API with the session cookie, and the CSRF token on
// anything that changes state.
async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) throw Object.assign(new Error(data.error || resp.statusText), { status: resp.status });
  return data;
}

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
  showLogin();
});

async function loggedIn(s) {
  csrf = s.csrf;
  $("who").textContent = `${s.username} (${s.role})`;
  $("login").hidden = true;
  $("app").hidden = $("nav").hidden = $("logout").hidden = false;
  const stations = await api("GET", "/api/stations");
  const sel = $("station");
  sel.replaceChildren(...stations.map((st) => new Option(st.name || st.id, st.id)));
  $("station-pick").hidden = stations.length < 2;
  station = stations.length ? stations[0].id : "";
  sel.onchange = () => { station = sel.value; follow(); };
  follow();
}

// follow loads the station's mixer and listens to its events.
async function follow() {
  if (events) events.close();
  showMixer(await api("GET", `/api/stations/${encodeURIComponent(station)}/mixer`));
  events = new EventSource(`/api/events?station=${encodeURIComponent(station)}`);
  events.addEventListener("nowplaying", (e) => showNowPlaying(JSON.parse(e.data)));
  events.addEventListener("mixer", (e) => showMixer(JSON.parse(e.data)));
  events.addEventListener("meters", (e) => showMeters(JSON.parse(e.data)));
  events.addEventListener("listeners", (e) => { $("np-listeners").textContent = JSON.parse(e.data).listeners; });
}

let np = null;
function showNowPlaying(n) {
  np = n;
  $("np-title").textContent = n.artist ? `${n.artist} - ${n.title}` : n.title;
  $("np-listeners").textContent = n.listeners;
  const live = $("live-state");
  live.textContent = n.live ? "LIVE DJ on air" : (n.playlist ? `AutoDJ · ${n.playlist}` : "AutoDJ");
  live.classList.toggle("live", n.live);
}

function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

setInterval(() => {
  if (!np || !np.started_at) return;
  const played = Date.now() - Date.parse(np.started_at);
  $("np-time").textContent = np.duration_ms ? `${clock(played)} / ${clock(np.duration_ms)}` : clock(played);
  $("np-progress").value = np.duration_ms ? Math.min(1, played / np.duration_ms) : 0;
}, 500);

$("skip").addEventListener("click", () => api("POST", `/api/stations/${encodeURIComponent(station)}/skip`).catch(report));

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
  api("PATCH", `/api/stations/${encodeURIComponent(station)}/mixer`, body).then(showMixer).catch(report);
}

// Push to Talk talks while it is held: mouse, touch or the space bar.
let holding = false;
function talk(on) {
  if (holding === on) return;
  holding = on;
  api("POST", `/api/stations/${encodeURIComponent(station)}/mixer/ptt`, { on }).then(showMixer).catch(report);
}
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
  api("POST", `/api/stations/${encodeURIComponent(station)}/mixer/lock`, { on }).then(showMixer).catch(report);
});

function showMeters(m) {
  for (const ch of ["music", "mic", "live", "out"]) {
    const v = m[ch];
    $(`m-${ch}`).value = Math.max(-60, v.peak_db);
    $(`v-${ch}`).textContent = v.peak_db <= -120 ? "—" : `${v.peak_db.toFixed(1)} dB`;
  }
}

start();
