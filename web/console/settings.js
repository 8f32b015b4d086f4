// The console's Settings view (admins only): the station's name and
// description, the limits, the source password and the DJ accounts, the
// media folders, and the network settings that only the config file or
// the environment set. It reads GET /api/settings and saves with PATCH,
// sending only what was changed, and shows the server's refusals next to
// the fields they name. Every string from the server goes in as text.
import { $, api, session, isAdmin, onView, el } from "./core.js";

// Where a value comes from, in words.
const SOURCES = {
  default: "built-in default",
  file: "from the config file",
  env: "from the environment",
  console: "saved here",
  generated: "generated at first start",
};

// The read-only settings, in the order shown, with their labels.
const NETWORK = [
  ["listen", "HTTP address"],
  ["shoutcast_port", "SHOUTcast v1 source port"],
  ["shoutcast_mount", "SHOUTcast v1 mount"],
  ["tls_listen", "HTTPS address"],
  ["tls_cert", "TLS certificate"],
  ["tls_key", "TLS key"],
  ["hostname", "Host name"],
  ["trusted_proxies", "Trusted proxies"],
  ["public_metrics", "Public /metrics"],
  ["data_dir", "Data folder"],
  ["admin_user", "Admin user"],
  ["access_log", "Access log"],
  ["max_upload_mb", "Largest upload (MiB)"],
];
const STREAM = [
  ["mount", "Mount"],
  ["live_mount", "Live input mount"],
  ["bitrate", "Bitrate (kbps)"],
  ["sample_rate", "Sample rate (Hz)"],
  ["encoder", "Encoder"],
  ["mp3_quality", "MP3 quality (LAME -q, 0 best … 9 fastest)"],
  ["resampler", "Resampler"],
  ["outputs", "Further outputs"],
];
const STATION_KEYS = ["name", "description", "genre", "url"];
const LIMIT_KEYS = ["max_listeners", "max_bandwidth_kbps", "max_connections_per_ip"];

let built = false;
let view = null; // the last answer of GET or PATCH /api/settings
let stationID = "";

onView("settings", () => {
  if (!isAdmin()) return;
  if (!built) build();
  load();
});

// build puts the view's forms into the page the first time it is shown.
function build() {
  built = true;
  $("set-body").replaceChildren($("set-tpl").content.cloneNode(true));
  $("set-station").addEventListener("submit", (ev) => { ev.preventDefault(); saveStation(); });
  $("set-limits").addEventListener("submit", (ev) => { ev.preventDefault(); saveLimits(); });
  $("set-source").addEventListener("submit", (ev) => { ev.preventDefault(); saveSourcePassword(); });
  $("set-media").addEventListener("submit", (ev) => { ev.preventDefault(); saveFolders(); });
  $("set-add-dj").addEventListener("submit", (ev) => { ev.preventDefault(); addDJ(ev.target); });
  $("set-max-bandwidth").addEventListener("input", showBandwidthHint);
}

function say(text, isError = false) {
  const p = $("set-status");
  p.textContent = text;
  p.classList.toggle("error", isError);
}

async function load() {
  try {
    const [v, accts] = await Promise.all([api("GET", "/api/settings"), api("GET", "/api/accounts")]);
    say("");
    show(v);
    showAccounts(accts);
  } catch (err) {
    say(`Could not load the settings: ${err.message}`, true);
  }
}

// patch sends a change. A refusal throws an Error carrying the server's
// problems ({key, message}), so each can be shown by its field.
async function patch(body) {
  const resp = await fetch("/api/settings", {
    method: "PATCH",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": session.csrf },
    body: JSON.stringify(body),
  });
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    throw Object.assign(new Error(data.error || resp.statusText), { status: resp.status, problems: data.problems || [] });
  }
  return data;
}

// save sends body for form, shows the outcome in the form, and the
// settings as they now stand.
async function save(form, body) {
  clearErrors(form);
  const msg = form.querySelector(".set-msg");
  if (Object.keys(body).length === 0) {
    msg.textContent = "Nothing changed.";
    return false;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  msg.textContent = "Saving…";
  try {
    show(await patch(body));
    msg.textContent = "Saved.";
    // The station picker names stations: let it relabel them.
    window.dispatchEvent(new Event("onair:stations"));
    return true;
  } catch (err) {
    msg.textContent = "Not saved.";
    showProblems(form, err);
    return false;
  } finally {
    button.disabled = false;
  }
}

function clearErrors(form) {
  for (const p of form.querySelectorAll(".set-err")) p.textContent = "";
  for (const f of form.querySelectorAll("[aria-invalid]")) f.removeAttribute("aria-invalid");
}

// showProblems puts each of the server's problems under the field whose
// key it names; the others go in the view's status line.
function showProblems(form, err) {
  const rest = [];
  for (const p of err.problems || []) {
    const field = form.querySelector(`[data-key="${CSS.escape(p.key)}"]`);
    if (!field) { rest.push(p.message); continue; }
    field.setAttribute("aria-invalid", "true");
    const out = field.closest(".set-field").querySelector(".set-err");
    out.textContent = out.textContent ? `${out.textContent} ${p.message}` : p.message;
  }
  if (!err.problems || err.problems.length === 0) rest.push(err.message);
  if (rest.length) say(rest.join(" "), true);
}

// show fills every form from an answer of the API.
function show(v) {
  view = v;
  const st = v.stations.find((s) => s.id === session.station) || v.stations[0];
  stationID = st ? st.id : "";
  $("set-station-id").textContent = st && v.stations.length > 1 ? `(${st.id})` : "";
  $("set-station").hidden = $("set-media").hidden = !st;
  if (st) {
    for (const k of STATION_KEYS) fill($("set-station"), k, `stations.${st.id}.${k}`, st.settings[k], st.settings[k].value);
    const dirs = st.settings.media_dirs;
    fill($("set-media"), "media_dirs", `stations.${st.id}.media_dirs`, dirs, dirs.value.join("\n"));
    facts($("set-stream"), STREAM, st.settings);
  }
  for (const k of LIMIT_KEYS) fill($("set-limits"), k, k, v.server[k], String(v.server[k].value));
  showBandwidthHint();
  const pw = v.server.source_password;
  const input = $("set-source-pw");
  input.dataset.key = "source_password";
  input.value = "";
  meta(input, "source_password", pw, pw.set ? "A source password is set" : "No source password is set");
  facts($("set-net"), NETWORK, v.server);
}

// fill sets the field named name in form to value and shows where it
// comes from; key is its key in the API's problems.
function fill(form, name, key, field, value) {
  const input = form.elements[name];
  input.dataset.key = key;
  if (document.activeElement !== input) input.value = value;
  input.dataset.saved = value;
  meta(input, key, field, "");
}

// meta shows a field's source, and offers to drop a value saved here.
function meta(input, key, field, lead) {
  const p = input.closest(".set-field").querySelector(".set-meta");
  const source = field.source === "env" && field.env ? `from ${field.env}` : (SOURCES[field.source] || field.source);
  const parts = [el("span", lead ? `${lead} · ${source}` : source, { class: `set-src set-src-${field.source}` })];
  if (field.source === "console") {
    parts.push(el("button", "Use the config file's value", {
      type: "button",
      class: "set-reset",
      "aria-label": `Use the config file's value for ${input.labels[0].textContent}`,
      onclick: () => reset(input.form, key),
    }));
  }
  p.replaceChildren(...parts);
}

// reset drops the value of key saved here: the config file's (or the
// environment's, or the default) applies again.
function reset(form, key) {
  const [first, id, sub] = key.split(".");
  save(form, first === "stations" ? { stations: { [id]: { [sub]: null } } } : { [key]: null });
}

// facts lists read-only settings: value, where it comes from, and the
// environment variable that can set it.
function facts(dl, list, fields) {
  const items = [];
  for (const [key, label] of list) {
    const f = fields[key];
    if (!f) continue;
    let value = f.value;
    if (Array.isArray(value)) value = value.length ? value.join(", ") : "none";
    else if (value === "" || value === null) value = "—";
    else if (typeof value === "boolean") value = value ? "yes" : "no";
    const src = f.source === "env" && f.env ? `from ${f.env}` : SOURCES[f.source] || f.source;
    const dd = el("dd", "", { "data-fact": key, "data-restart": String(f.restart) });
    dd.append(el("span", value, { class: "set-value" }), el("span", src, { class: `set-src set-src-${f.source}` }));
    if (f.env && f.source !== "env") dd.append(el("span", `or ${f.env}`, { class: "set-dim" }));
    if (!f.restart) dd.append(el("span", "applied on reload", { class: "set-dim" }));
    items.push(el("dt", label, { title: key }), dd);
  }
  dl.replaceChildren(...items);
}

// showBandwidthHint says how many listeners the cap allows at the
// station's bitrate.
function showBandwidthHint() {
  const hint = $("set-bandwidth-hint");
  const st = view && view.stations.find((s) => s.id === stationID);
  const cap = Number($("set-max-bandwidth").value);
  if (!st || !(cap > 0)) {
    hint.textContent = "0: no cap.";
    return;
  }
  const br = st.settings.bitrate.value;
  hint.textContent = `About ${Math.floor(cap / br)} listeners at ${br} kbps (${(cap / 1000).toFixed(1)} Mbit/s).`;
}

// changed returns the fields of form whose value differs from the one
// loaded, by name, read by conv.
function changed(form, names, conv = (v) => v) {
  const out = {};
  for (const n of names) {
    const input = form.elements[n];
    if (input.value !== input.dataset.saved) out[n] = conv(input.value);
  }
  return out;
}

function saveStation() {
  const body = changed($("set-station"), STATION_KEYS);
  save($("set-station"), Object.keys(body).length ? { stations: { [stationID]: body } } : {});
}

function saveLimits() {
  // A number the server cannot read as a whole number is sent as typed,
  // and the server says what is wrong with it.
  save($("set-limits"), changed($("set-limits"), LIMIT_KEYS, (v) => (/^-?\d+$/.test(v.trim()) ? Number(v) : v)));
}

async function saveSourcePassword() {
  const input = $("set-source-pw");
  const body = input.value ? { source_password: input.value } : {};
  if (await save($("set-source"), body)) input.value = "";
}

function saveFolders() {
  const input = $("set-media-dirs");
  if (input.value === input.dataset.saved) {
    save($("set-media"), {});
    return;
  }
  const dirs = input.value.split("\n").map((d) => d.trim()).filter((d) => d !== "");
  save($("set-media"), { stations: { [stationID]: { media_dirs: dirs } } });
}

// The accounts: through /api/accounts.
function showAccounts(list) {
  const rows = list.map((a) => {
    const actions = el("td", "", { class: "set-account-actions" });
    const pwForm = el("form", "", { class: "set-pw-form", hidden: "" });
    const pw = el("input", "", {
      type: "password", minlength: "8", maxlength: "72", autocomplete: "new-password",
      "aria-label": `New password for ${a.username}`,
    });
    const status = el("span", "", { class: "set-msg", role: "status" });
    // The username, for password managers.
    pwForm.append(el("input", "", { autocomplete: "username", value: a.username, hidden: "" }));
    pwForm.append(pw, el("button", "Save", { type: "submit" }), el("button", "Cancel", {
      type: "button", onclick: () => { pwForm.hidden = true; pw.value = ""; },
    }));
    pwForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await api("PATCH", `/api/accounts/${a.id}`, { password: pw.value });
        pwForm.hidden = true;
        pw.value = "";
        status.textContent = "Password changed.";
        status.classList.remove("error");
      } catch (err) {
        status.textContent = err.message;
        status.classList.add("error");
      }
    });
    actions.append(
      el("button", "Change password", {
        type: "button", "aria-label": `Change the password of ${a.username}`,
        onclick: () => { pwForm.hidden = false; pw.focus(); },
      }),
      el("button", "Delete", {
        type: "button", class: "danger", "aria-label": `Delete ${a.username}`,
        onclick: () => deleteAccount(a, status),
      }),
      pwForm, status,
    );
    const tr = el("tr", "", { "data-id": String(a.id) });
    tr.append(
      el("td", a.username, { class: "set-username", "data-label": "Username" }),
      el("td", a.role === "admin" ? "Admin" : "DJ", { "data-label": "Role" }),
      actions,
    );
    return tr;
  });
  $("set-account-rows").replaceChildren(...rows);
}

async function reloadAccounts() {
  showAccounts(await api("GET", "/api/accounts"));
}

async function deleteAccount(a, status) {
  if (!confirm(`Delete the account ${a.username}? They can no longer log in or connect a source.`)) return;
  try {
    await api("DELETE", `/api/accounts/${a.id}`);
    await reloadAccounts();
  } catch (err) {
    status.textContent = err.message;
    status.classList.add("error");
  }
}

async function addDJ(form) {
  const msg = form.querySelector(".set-msg");
  const f = new FormData(form);
  try {
    const a = await api("POST", "/api/accounts", { username: f.get("username"), password: f.get("password"), role: "dj" });
    form.reset();
    msg.textContent = `${a.username} can log in now.`;
    msg.classList.remove("error");
    await reloadAccounts();
  } catch (err) {
    msg.textContent = err.message;
    msg.classList.add("error");
  }
}
