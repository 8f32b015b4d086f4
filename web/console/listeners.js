// The console's Listeners view: who is connected (with kick and ban for
// admins), the bans, and a chart of the listener count over 24 hours.
// User agents and every other string from the server go in as text: a
// player names itself, so its name is never HTML.
import { $, api, session, isAdmin, onEvent, onView, el, clock, bytes } from "./core.js";

const SVG = "http://www.w3.org/2000/svg";
const POLL_MS = 5000; // bytes sent and passthrough mounts, while shown
const CHART_MS = 60000; // the history gains a sample a minute
const DAY_MS = 24 * 3600 * 1000;

// rows are the table's rows by listener id, kept across refreshes so a
// button being clicked is not replaced under the pointer.
const rows = new Map();
// skew is how far the browser's clock is ahead of the server's, so that
// "connected for" counts from the server's connected_at correctly.
let skew = 0;
let stationMounts = new Map(); // station id -> its output mount
let history = null; // the last GET /api/listeners/history answer
let refreshing = null;
let eventTimer = 0;
let rowsRole = ""; // the role the rows' buttons were made for
let lastStation = "";
// The chart follows the followed station's output mount unless another
// mount is picked.
let pickedMount = "";

const shown = () => !$("listeners").hidden && session.csrf !== "";

onView("listeners", () => {
  if (session.station !== lastStation) { lastStation = session.station; pickedMount = ""; }
  loadBans();
  // The chart's line ends at the count now, which the table gives.
  Promise.all([refresh(), loadStations()]).then(drawChart);
});

// A change in the count of the followed station's listeners: reload the
// table soon (events can come once a second; one reload covers a burst).
onEvent("listeners", () => {
  if (!shown() || eventTimer) return;
  eventTimer = setTimeout(() => { eventTimer = 0; refresh(); }, 200);
});

setInterval(() => { if (shown()) tick(); }, 1000);
setInterval(() => { if (shown() && !document.hidden) refresh(); }, POLL_MS);
setInterval(() => { if (shown() && !document.hidden) drawChart(); }, CHART_MS);
let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { if (shown() && history) renderChart(history); }, 150);
});

function say(text, isError = false) {
  const p = $("lst-status");
  p.textContent = text;
  p.classList.toggle("error", isError);
}

// refresh reloads the tables; calls made while one is under way share it.
function refresh() {
  if (!refreshing) {
    refreshing = Promise.all([
      api("GET", "/api/listeners").then(showListeners),
      api("GET", "/api/relays").then(showRelays),
    ])
      .catch((err) => say(`Could not load the listeners: ${err.message}`, true))
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

// showRelays lists the mounts this server pulls from others (the relays:
// key, and relay_master's list, marked), with their state and, when not
// connected, the reason.
function showRelays(list) {
  $("lst-relays").hidden = list.length === 0;
  const now = Date.now() - skew;
  $("lst-relay-rows").replaceChildren(...list.map((r) => {
    const state = el("td", r.state, { "data-label": "State", "data-relay-state": r.state });
    if (r.reason) state.append(el("span", ` (${r.reason})`, { class: "lst-relay-reason" }));
    const since = Date.parse(r.since); // the zero time: never connected
    const tr = el("tr", null, { "data-relay": r.mount });
    const mount = el("td", r.mount, { "data-label": "Mount" });
    if (r.from_master) mount.append(" ", el("span", "master", { class: "lst-relay", title: "Followed from relay_master's mount list" }));
    tr.append(
      mount,
      state,
      el("td", r.upstream || "—", { "data-label": "Upstream" }),
      el("td", since > 0 ? clock(now - since) : "—", { "data-label": "Since", class: "lst-num" }),
      el("td", bytes(r.bytes_in), { "data-label": "Bytes in", class: "lst-num" }),
      el("td", String(r.listeners), { "data-label": "Listeners", class: "lst-num" }),
    );
    return tr;
  }));
}

function showListeners(list) {
  const now = Date.now();
  // The server's seconds are whole: its clock is at least connected_at +
  // seconds. The largest gap over the rows is the closest estimate.
  if (list.length) {
    skew = Math.min(...list.map((l) => now - (Date.parse(l.connected_at) + l.seconds * 1000)));
    if (Math.abs(skew) < 2000) skew = 0;
  }
  if (rowsRole !== session.role) {
    // Someone else logged in on this page: rebuild the buttons.
    for (const r of rows.values()) r.tr.remove();
    rows.clear();
    rowsRole = session.role;
  }
  const ids = new Set(list.map((l) => l.id));
  for (const [id, r] of rows) if (!ids.has(id)) { r.tr.remove(); rows.delete(id); }
  const body = $("lst-rows");
  let prev = null;
  for (const l of list) {
    let r = rows.get(l.id);
    if (!r) { r = makeRow(l); rows.set(l.id, r); }
    r.data = l;
    r.bytes.textContent = bytes(l.bytes_sent);
    r.mount.textContent = l.mount;
    r.bitrate.textContent = l.bitrate ? `${l.bitrate} kbps` : "—";
    // Ordered by id, as the server sends them.
    const want = prev ? prev.nextSibling : body.firstChild;
    if (want !== r.tr) body.insertBefore(r.tr, want);
    prev = r.tr;
  }
  tick();
  $("lst-table").hidden = list.length === 0;
  $("lst-empty").hidden = list.length > 0;
  const mounts = new Set(list.map((l) => l.mount));
  // Relays (Icecast slaves pulling with relay credentials) feed listeners
  // elsewhere: they are shown, but not counted as listeners here.
  const relays = list.filter((l) => l.relay).length;
  const people = list.length - relays;
  $("lst-summary").textContent = list.length === 0 ? "" :
    `${people} ${people === 1 ? "listener" : "listeners"}` +
    (relays ? `, ${relays} ${relays === 1 ? "relay" : "relays"}` : "") +
    (mounts.size > 1 ? ` on ${mounts.size} mounts` : "");
  fillChartMounts(mounts);
}

// makeRow builds a listener's row. Each cell carries its column's name
// for the narrow layout, where rows become cards.
function makeRow(l) {
  const tr = el("tr", null, { "data-id": String(l.id) });
  const cell = (label, text, cls) => {
    const td = el("td", text, { "data-label": label });
    if (cls) td.className = cls;
    tr.append(td);
    return td;
  };
  cell("IP", l.ip, "lst-ip");
  const player = cell("Player", l.user_agent || "(none)", "lst-player");
  player.title = l.user_agent;
  if (l.relay) {
    player.prepend(el("span", "relay", { class: "lst-relay", title: "A relay pulling with relay credentials: not counted as a listener" }), " ");
  }
  const r = {
    tr,
    mount: cell("Mount", l.mount),
    since: cell("Connected for", "", "lst-num"),
    bytes: cell("Bytes sent", "", "lst-num"),
    bitrate: cell("Bitrate", "", "lst-num"),
    data: l,
  };
  if (isAdmin()) {
    const td = cell("", null, "lst-actions");
    td.append(
      el("button", "Kick", { type: "button", "aria-label": `Kick ${l.ip} (listener ${l.id})`, onclick: (e) => kick(r, e.currentTarget) }),
      el("button", "Ban IP", { type: "button", class: "danger", "aria-label": `Ban IP ${l.ip}`, onclick: (e) => ban(r, e.currentTarget) }),
    );
  }
  return r;
}

// tick advances every row's "connected for" by the browser's clock.
function tick() {
  const now = Date.now() - skew;
  for (const r of rows.values()) r.since.textContent = duration(now - Date.parse(r.data.connected_at));
}

function duration(ms) {
  const day = 24 * 3600 * 1000;
  return ms >= day ? `${Math.floor(ms / day)}d ${clock(ms % day)}` : clock(ms);
}

async function kick(r, button) {
  button.disabled = true;
  const { id, ip } = r.data;
  try {
    await api("DELETE", `/api/listeners/${id}`);
    say(`Kicked ${ip} (listener ${id}).`);
  } catch (err) {
    // Gone already is what a kick wants; anything else is worth saying.
    if (err.status !== 404) {
      say(`Could not kick ${ip}: ${err.message}`, true);
      button.disabled = false;
      return;
    }
  }
  if (rows.get(id) === r) { r.tr.remove(); rows.delete(id); }
  refresh();
}

async function ban(r, button) {
  const { ip } = r.data;
  const reason = window.prompt(`Ban ${ip}? Its listeners are disconnected and new connections from it refused.\n\nReason (optional):`, "");
  if (reason === null) return;
  button.disabled = true;
  try {
    await addBan(ip, reason);
  } finally {
    button.disabled = false;
  }
}

async function addBan(prefix, reason) {
  try {
    const b = await api("POST", "/api/bans", { prefix, reason });
    const kicked = b.kicked ? `, ${b.kicked} ${b.kicked === 1 ? "listener" : "listeners"} disconnected` : "";
    say(`Banned ${b.prefix}${kicked}.`);
    await Promise.all([refresh(), loadBans()]);
    return true;
  } catch (err) {
    say(`Could not ban ${prefix}: ${err.message}`, true);
    return false;
  }
}

$("lst-ban-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = ev.target;
  const f = new FormData(form);
  const prefix = String(f.get("prefix")).trim();
  if (!window.confirm(`Ban ${prefix}? Its listeners are disconnected and new connections from it refused.`)) return;
  if (await addBan(prefix, String(f.get("reason")).trim())) form.reset();
});

async function loadBans() {
  let list;
  try {
    list = await api("GET", "/api/bans");
  } catch (err) {
    say(`Could not load the bans: ${err.message}`, true);
    return;
  }
  $("lst-ban-rows").replaceChildren(...list.map((b) => {
    const tr = el("tr");
    tr.append(
      el("td", b.prefix, { "data-label": "Address or range", class: "lst-ip" }),
      el("td", b.reason || "—", { "data-label": "Reason" }),
      el("td", new Date(b.created_at).toLocaleString(), { "data-label": "Since" }),
    );
    if (isAdmin()) {
      const td = el("td", null, { class: "lst-actions" });
      td.append(el("button", "Unban", { type: "button", "aria-label": `Unban ${b.prefix}`, onclick: (e) => unban(b.prefix, e.currentTarget) }));
      tr.append(td);
    }
    return tr;
  }));
  $("lst-bans").hidden = list.length === 0;
  $("lst-bans-empty").hidden = list.length > 0;
}

async function unban(prefix, button) {
  button.disabled = true;
  try {
    // The prefix's slash stays a slash: the route takes the rest of the path.
    await api("DELETE", `/api/bans/${prefix.split("/").map(encodeURIComponent).join("/")}`);
    say(`Lifted the ban on ${prefix}.`);
  } catch (err) {
    if (err.status !== 404) say(`Could not lift the ban on ${prefix}: ${err.message}`, true);
  }
  loadBans();
}

async function loadStations() {
  try {
    const list = await api("GET", "/api/stations");
    stationMounts = new Map(list.map((s) => [s.id, s.mount]));
  } catch (err) {
    say(`Could not load the stations: ${err.message}`, true);
  }
  fillChartMounts(new Set());
}

const chartMount = () => pickedMount || stationMounts.get(session.station) || "";

// fillChartMounts offers the stations' mounts and any other mount that has
// listeners now (a passthrough mount).
function fillChartMounts(listening) {
  const sel = $("lst-chart-mount");
  const all = new Set([...stationMounts.values(), ...listening, ...[...sel.options].map((o) => o.value)]);
  if (all.size !== sel.options.length) {
    sel.replaceChildren(...[...all].sort().map((m) => new Option(m, m)));
  }
  sel.value = chartMount();
  $("lst-chart-pick").hidden = all.size < 2;
}

$("lst-chart-mount").addEventListener("change", (ev) => {
  pickedMount = ev.target.value;
  drawChart();
});

async function drawChart() {
  const mount = chartMount();
  const q = mount ? `?mount=${encodeURIComponent(mount)}` : "";
  try {
    history = await api("GET", `/api/listeners/history${q}`);
  } catch (err) {
    $("lst-peak").textContent = `No chart: ${err.message}`;
    $("lst-chart").replaceChildren();
    history = null;
    return;
  }
  renderChart(history);
}

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

const hhmm = (t) => {
  const d = new Date(t);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
};

// renderChart draws the counts as steps over the last 24 hours, sized to
// the box so that its labels keep their size on a phone. Samples more
// than two minutes apart leave a gap: the server was not counting.
function renderChart(h) {
  const box = $("lst-chart");
  const W = Math.max(280, Math.round(box.clientWidth || 600));
  const H = 200;
  const pad = { l: 36, r: 12, t: 14, b: 26 };
  const now = Date.now() - skew;
  const from = now - DAY_MS;
  const samples = h.samples
    .map((s) => ({ t: Date.parse(s.at), n: s.listeners }))
    .filter((s) => s.t >= from);
  // The count now closes the line; the table knows it for this mount.
  const current = [...rows.values()].filter((r) => r.data.mount === h.mount).length;
  samples.push({ t: now, n: current });

  const top = Math.max(1, h.peak, ...samples.map((s) => s.n));
  const yStep = niceStep(top);
  const yMax = Math.ceil(top / yStep) * yStep;
  const x = (t) => pad.l + ((t - from) / DAY_MS) * (W - pad.l - pad.r);
  const y = (n) => pad.t + (1 - n / yMax) * (H - pad.t - pad.b);

  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", class: "lst-svg",
    "aria-labelledby": "lst-chart-title",
  });
  root.append(svg("title", { id: "lst-chart-title" }, `Listeners on ${h.mount} over the last 24 hours, peak ${h.peak}`));

  const grid = svg("g", { class: "lst-grid" });
  for (let n = 0; n <= yMax; n += yStep) {
    grid.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: y(n), y2: y(n) }));
    grid.append(svg("text", { x: pad.l - 6, y: y(n) + 4, "text-anchor": "end" }, n));
  }
  // Hour marks on whole local hours; fewer labels when narrow.
  const every = W < 500 ? 6 : 3;
  const first = new Date(from);
  first.setMinutes(0, 0, 0);
  for (let t = first.getTime() + 3600e3; t <= now; t += 3600e3) {
    const hour = new Date(t).getHours();
    grid.append(svg("line", { class: "lst-tick", x1: x(t), x2: x(t), y1: H - pad.b, y2: H - pad.b + (hour % every ? 3 : 6) }));
    if (hour % every === 0) grid.append(svg("text", { x: x(t), y: H - 6, "text-anchor": "middle" }, hhmm(t)));
  }
  grid.append(svg("line", { class: "lst-axis", x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b }));
  root.append(grid);

  // Runs of samples no more than two minutes apart, each drawn as steps.
  const runs = [];
  for (const s of samples) {
    const run = runs[runs.length - 1];
    if (run && s.t - run[run.length - 1].t <= 120e3) run.push(s);
    else runs.push([s]);
  }
  for (const run of runs) {
    let d = `M${x(run[0].t).toFixed(1)},${y(run[0].n).toFixed(1)}`;
    for (let i = 1; i < run.length; i++) {
      d += `H${x(run[i].t).toFixed(1)}V${y(run[i].n).toFixed(1)}`;
    }
    if (run.length === 1) d += `h2`; // a lone sample still shows
    const area = `${d}V${y(0).toFixed(1)}H${x(run[0].t).toFixed(1)}Z`;
    root.append(svg("path", { class: "lst-area", d: area }), svg("path", { class: "lst-line", d }));
  }

  // The peak: when it was, if a sample or the count now shows it.
  const at = samples.find((s) => s.n === h.peak && h.peak > 0);
  if (at) {
    root.append(svg("circle", { class: "lst-peak-dot", cx: x(at.t), cy: y(at.n), r: 4 }));
  }
  const peak = `Peak ${h.peak} ${h.peak === 1 ? "listener" : "listeners"}`;
  $("lst-peak").textContent = at && at.t === now ? `${peak}, right now · ${h.mount}` :
    `${peak} ${at ? `at ${hhmm(at.t)}` : "in the last 24 hours"} · ${current} now · ${h.mount}`;
  box.replaceChildren(root);
}

// niceStep is a grid step of 1, 2 or 5 times a power of ten giving at
// most five lines.
function niceStep(top) {
  for (let p = 1; ; p *= 10) {
    for (const m of [1, 2, 5]) if (top / (m * p) <= 5) return m * p;
  }
}
