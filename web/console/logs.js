// The console's Logs view: the server's error log (what it logs at Info
// and above) and its access log, the last 200 lines of each, followed
// live over the event stream only while the view is shown. Log lines carry
// what clients sent (user agents, titles, addresses), so every part of a
// line goes in as text.
import { $, api, onView, currentView, el } from "./core.js";

const SHOWN = 200; // lines kept and shown per log
const KINDS = ["error", "access"];

// logs holds, per log, its last lines (oldest first) and the newest
// sequence number seen, so that no line shows twice.
const logs = Object.fromEntries(KINDS.map((k) => [k, { entries: [], last: 0 }]));
let kind = "error"; // the log on show
let paused = false;
let waiting = 0; // lines that came in while paused
let stream = null; // open only while the view is shown
let opening = false;

const box = $("log-lines");
const filterBox = $("log-filter");
const pauseButton = $("log-pause");
const tabs = [...document.querySelectorAll("#logs [role=tab]")];

onView("logs", () => { if (!stream && !opening) open(); });
window.addEventListener("hashchange", () => { if (currentView() !== "logs") close(); });
$("logout").addEventListener("click", close);

// open loads both logs' tails, then follows them from there.
async function open() {
  opening = true;
  try {
    await load();
  } catch (err) {
    say(`Could not load the logs: ${err.message}`, true);
    return;
  } finally {
    opening = false;
  }
  if (currentView() !== "logs" || stream) return; // left, or opened, meanwhile
  render();
  const from = KINDS.map((k) => `${k}:${logs[k].last}`).join(",");
  const es = new EventSource(`/api/events?logs=${from}`);
  let connected = false;
  es.addEventListener("log", (e) => received(JSON.parse(e.data)));
  es.addEventListener("open", () => {
    // After a drop the browser reconnects by itself; what came meanwhile
    // (or a restarted server's new logs) is reloaded.
    if (connected) load().then(render).catch(() => {});
    connected = true;
    status();
  });
  es.addEventListener("error", () => {
    if (es.readyState === EventSource.CLOSED) say("Live updates stopped: reload the page to follow the logs again.", true);
    else say("Connection lost: reconnecting…", true);
  });
  stream = es;
}

function close() {
  if (stream) stream.close();
  stream = null;
}

// load replaces both logs' lines with the server's last SHOWN.
async function load() {
  const lists = await Promise.all(KINDS.map((k) => api("GET", `/api/logs?kind=${k}&limit=${SHOWN}`)));
  KINDS.forEach((k, i) => {
    logs[k].entries = lists[i];
    logs[k].last = lists[i].length ? lists[i][lists[i].length - 1].seq : 0;
  });
}

// received takes one `log` event: an entry, or a gap marker saying how
// many entries the server dropped because this page fell behind.
function received(d) {
  const log = logs[d.kind];
  if (!log) return;
  if (d.missed) {
    keep(log, { gap: d.missed });
  } else {
    if (d.seq <= log.last) return;
    log.last = d.seq;
    keep(log, d);
  }
  if (d.kind !== kind) return;
  if (paused) {
    waiting++;
    status();
    return;
  }
  append(lineOf(log.entries[log.entries.length - 1]));
}

function keep(log, entry) {
  log.entries.push(entry);
  if (log.entries.length > SHOWN) log.entries.splice(0, log.entries.length - SHOWN);
}

// render shows the chosen log's lines, following the newest.
function render() {
  const log = logs[kind];
  box.replaceChildren(...log.entries.map(lineOf));
  for (const line of box.children) filter(line);
  box.setAttribute("aria-labelledby", `log-tab-${kind}`);
  box.scrollTop = box.scrollHeight;
  status();
}

// append adds a line at the bottom, scrolling along unless the reader
// scrolled up to read something.
function append(line) {
  const following = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
  box.append(line);
  while (box.children.length > SHOWN) box.firstElementChild.remove();
  filter(line);
  if (following) box.scrollTop = box.scrollHeight;
  status();
}

// lineOf makes a line's element: text only.
function lineOf(entry) {
  if (entry.gap) {
    return el("div", `… ${entry.gap} lines skipped: they came faster than this page could take them …`, { class: "log-line log-gap" });
  }
  const line = el("div", null, { class: "log-line", "data-seq": entry.seq });
  if (entry.line !== undefined) {
    // "GET /stream HTTP/1.1" 404 …: the status colours the line.
    const status = / (\d)\d\d \d+ "/.exec(entry.line);
    if (status) line.dataset.status = `${status[1]}xx`;
    line.textContent = entry.line;
    return line;
  }
  const at = new Date(entry.time);
  line.dataset.level = entry.level;
  line.append(
    el("time", at.toLocaleTimeString([], { hour12: false }), { datetime: entry.time, title: at.toLocaleString() }),
    " ",
    el("span", entry.level, { class: "log-level" }),
    " ",
    el("span", entry.message, { class: "log-msg" }),
  );
  if (entry.attrs) line.append(" ", el("span", entry.attrs, { class: "log-attrs" }));
  return line;
}

function filter(line) {
  const q = filterBox.value.trim().toLowerCase();
  line.hidden = q !== "" && !line.textContent.toLowerCase().includes(q);
}

filterBox.addEventListener("input", () => {
  for (const line of box.children) filter(line);
  box.scrollTop = box.scrollHeight;
  status();
});

pauseButton.addEventListener("click", () => {
  paused = !paused;
  pauseButton.setAttribute("aria-pressed", String(paused));
  if (!paused) {
    waiting = 0;
    render();
  }
  status();
});

function choose(tab) {
  kind = tab.dataset.kind;
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
  }
  waiting = 0;
  render();
}

for (const tab of tabs) {
  tab.addEventListener("click", () => choose(tab));
  // Arrow keys move between the tabs, as in any tab list.
  tab.addEventListener("keydown", (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (!step) return;
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    next.focus();
    choose(next);
  });
}

// status says what the box shows: paused, filtered, or empty.
function status() {
  const parts = [];
  const total = box.children.length;
  if (total === 0) parts.push("Nothing logged yet.");
  if (filterBox.value.trim() !== "") {
    const shown = [...box.children].filter((l) => !l.hidden).length;
    parts.push(`${shown} of ${total} lines match.`);
  }
  if (paused) parts.push(waiting ? `Paused: ${waiting} new ${waiting === 1 ? "line" : "lines"} waiting.` : "Paused.");
  say(parts.join(" "));
}

function say(text, isError = false) {
  const p = $("log-status");
  p.textContent = text;
  p.classList.toggle("error", isError);
}
