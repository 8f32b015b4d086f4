// The console's Playlists view: the station's playlists with their live
// state and Start/Stop, a form to create or edit one, and the selected
// playlist's tracks (weights, drag or ↑/↓ to reorder, remove, add from a
// search). Every change to the tracks is saved at once with PUT items.
// Strings from the server go in through textContent only.
import { $, api, session, onView, onEvent, currentView, el } from "./core.js";

const MAX_WEIGHT = 10;
const DEFAULT_ITEM_WEIGHT = 10;
const SEARCH_DELAY_MS = 250;
const SEARCH_LIMIT = 30;
// Event bursts (a new track, listener counts) need one reload, not many.
const REFRESH_DELAY_MS = 300;

const modeNames = { sequential: "Sequential", looped: "Looped", weighted: "Weighted", shuffle: "Shuffle" };

let playlists = [];
let selected = null; // id of the playlist in the form and editor; null: creating or none
let items = []; // the selected playlist's items: {track_id, weight, track}
let onAirPlaylist = ""; // name of the playlist the track on air came from
let listSeq = 0;
let itemsSeq = 0;
let refreshTimer = 0;

const trackName = (t) => (t.artist ? `${t.artist} - ${t.title}` : t.title) || t.path.slice(t.path.lastIndexOf("/") + 1) || `track ${t.id}`;

// playlistsOfStation lists the followed station's playlists.
export function playlistsOfStation() {
  return api("GET", `/api/playlists?station=${encodeURIComponent(session.station)}`);
}

// addTrack appends a track to a playlist's items, unless it is there
// already. It answers the playlist's name and whether the track was added.
export async function addTrack(playlistID, trackID) {
  const pl = await api("GET", `/api/playlists/${playlistID}`);
  if (pl.items.some((it) => it.track_id === trackID)) return { name: pl.name, added: false };
  const next = pl.items.map((it) => ({ track_id: it.track_id, weight: it.weight }));
  next.push({ track_id: trackID, weight: DEFAULT_ITEM_WEIGHT });
  await api("PUT", `/api/playlists/${playlistID}/items`, next);
  return { name: pl.name, added: true };
}

function say(id, text, isError = false) {
  const p = $(id);
  p.textContent = text;
  p.classList.toggle("error", isError);
}

// The list of playlists.

async function refreshList() {
  const seq = ++listSeq;
  try {
    const list = await playlistsOfStation();
    if (seq !== listSeq) return; // a newer refresh is on its way
    playlists = list;
    if ($("pl-status").textContent.startsWith("Could not load")) say("pl-status", "");
    showList();
    if (selected !== null && !playlists.some((p) => p.id === selected)) closeForm();
  } catch (err) {
    if (seq === listSeq) say("pl-status", `Could not load the playlists: ${err.message}`, true);
  }
}

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refreshList, REFRESH_DELAY_MS);
}

function showList() {
  const rows = playlists.map(playlistRow);
  if (!rows.length) {
    rows.push(el("tr", null, {}));
    rows[0].append(el("td", "No playlist yet: the station plays the whole library. Create one with New playlist.", { colspan: "6", class: "empty" }));
  }
  $("pl-rows").replaceChildren(...rows);
}

function playlistRow(pl) {
  const tr = el("tr", null, { "data-id": pl.id });
  if (pl.id === selected) tr.classList.add("selected");
  const name = el("button", pl.name, { type: "button", class: "link", title: "Edit this playlist and its tracks", onclick: () => select(pl.id) });
  if (pl.id === selected) name.setAttribute("aria-current", "true");
  tr.append(
    cell("Name", name),
    cell("Mode", modeNames[pl.mode] || pl.mode),
    cell("Weight", pl.weight),
    cell("Tracks", pl.playable === pl.tracks ? pl.tracks : `${pl.playable} of ${pl.tracks} play`),
    cell("State", ...stateBadges(pl)),
    cell("", el("button", "Start", { type: "button", class: "start", onclick: () => setActive(pl, true) }),
      el("button", "Stop", { type: "button", onclick: () => setActive(pl, false) })),
  );
  const [start, stop] = tr.lastChild.children;
  start.disabled = pl.active;
  stop.disabled = !pl.active;
  return tr;
}

function cell(label, ...content) {
  const td = el("td", null, label ? { "data-label": label } : { class: "actions" });
  for (const c of content) td.append(c instanceof Node ? c : String(c));
  return td;
}

// stateBadges shows playing, stopped or error (with why), and whether the
// track on air comes from this playlist.
function stateBadges(pl) {
  const out = [el("span", pl.state, { class: `badge pl-state state-${pl.state}` })];
  if (pl.active && pl.name === onAirPlaylist) out.push(" ", el("span", "on air", { class: "badge pl-onair" }));
  if (pl.problem) out.push(el("span", pl.problem, { class: "error pl-problem" }));
  return out;
}

async function setActive(pl, on) {
  try {
    const got = await api("POST", `/api/playlists/${pl.id}/${on ? "start" : "stop"}`);
    say("pl-status", got.state === "error" ? `${got.name}: ${got.problem}` : `${got.name} ${on ? "started" : "stopped"}.`, got.state === "error");
  } catch (err) {
    say("pl-status", `Could not ${on ? "start" : "stop"} ${pl.name}: ${err.message}`, true);
  }
  refreshList();
}

// The settings form: New playlist, or the selected playlist's settings.

function openForm(pl) {
  const form = $("pl-form");
  form.hidden = false;
  $("pl-form-h").textContent = pl ? "Playlist settings" : "New playlist";
  $("pl-save").textContent = pl ? "Save" : "Create";
  $("pl-delete").hidden = !pl;
  $("pl-name").value = pl ? pl.name : "";
  $("pl-mode").value = pl ? pl.mode : "shuffle";
  $("pl-guard").value = pl ? pl.repeat_guard : 0;
  $("pl-weight").value = pl ? pl.weight : 5;
  say("pl-form-status", "");
}

function closeForm() {
  selected = null;
  items = [];
  $("pl-form").hidden = true;
  $("pl-editor").hidden = true;
  showList();
}

function select(id) {
  const pl = playlists.find((p) => p.id === id);
  if (!pl) return;
  selected = id;
  openForm(pl);
  $("pl-editor").hidden = false;
  $("pl-items-h").textContent = `Tracks of ${pl.name}`;
  items = [];
  showItems();
  loadItems();
  showList();
  $("pl-form").scrollIntoView({ block: "nearest" });
}

$("pl-new").addEventListener("click", () => {
  selected = null;
  $("pl-editor").hidden = true;
  openForm(null);
  showList();
  $("pl-name").focus();
});

$("pl-cancel").addEventListener("click", closeForm);

$("pl-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = {
    name: $("pl-name").value.trim(),
    mode: $("pl-mode").value,
    repeat_guard: Number($("pl-guard").value) || 0,
    weight: Number($("pl-weight").value) || 5,
  };
  try {
    let pl;
    if (selected === null) {
      pl = await api("POST", "/api/playlists", { ...body, station: session.station });
    } else {
      pl = await api("PATCH", `/api/playlists/${selected}`, body);
    }
    const created = selected === null;
    await refreshList();
    select(pl.id);
    say("pl-form-status", created ? `Created ${pl.name}: add its tracks below.` : "Saved.");
  } catch (err) {
    say("pl-form-status", err.message, true);
  }
});

$("pl-delete").addEventListener("click", async () => {
  const pl = playlists.find((p) => p.id === selected);
  if (!pl || !confirm(`Delete the playlist "${pl.name}"? Its tracks stay in the library.`)) return;
  try {
    await api("DELETE", `/api/playlists/${pl.id}`);
    closeForm();
    say("pl-status", `Deleted ${pl.name}.`);
    refreshList();
  } catch (err) {
    say("pl-form-status", `Could not delete: ${err.message}`, true);
  }
});

// The selected playlist's tracks.

async function loadItems() {
  const id = selected;
  const seq = ++itemsSeq;
  try {
    const got = await api("GET", `/api/playlists/${id}/items`);
    if (seq !== itemsSeq || id !== selected) return;
    items = got;
    showItems();
  } catch (err) {
    if (seq === itemsSeq) say("pl-items-status", `Could not load the tracks: ${err.message}`, true);
  }
}

// saveItems sends the items as they are now; saves go out in order, and
// only the last one's answer redraws the list (earlier ones are stale).
let saving = Promise.resolve();
function saveItems() {
  const id = selected;
  const seq = ++itemsSeq;
  const body = items.map((it) => ({ track_id: it.track_id, weight: it.weight }));
  say("pl-items-status", "Saving…");
  saving = saving.then(async () => {
    try {
      const got = await api("PUT", `/api/playlists/${id}/items`, body);
      if (seq !== itemsSeq || id !== selected) return;
      items = got;
      showItems();
      say("pl-items-status", "Saved.");
    } catch (err) {
      if (id !== selected) return;
      say("pl-items-status", `Not saved: ${err.message}`, true);
      loadItems();
    }
    refreshList();
  });
}

function showItems() {
  const list = $("pl-items");
  if (!items.length) {
    list.replaceChildren(el("li", "No tracks yet: search the library below, or use Add to playlist in the Library.", { class: "empty" }));
  } else {
    list.replaceChildren(...items.map(itemRow));
  }
  showFound();
}

function itemRow(it, i) {
  const name = trackName(it.track);
  const li = el("li", null, { draggable: "true", "data-track": it.track_id });
  const weight = el("select", null, { "aria-label": `Weight of ${name}`, class: "pl-weight" });
  for (let w = 1; w <= MAX_WEIGHT; w++) weight.append(new Option(String(w), String(w)));
  weight.value = String(it.weight);
  weight.addEventListener("change", () => {
    it.weight = Number(weight.value);
    saveItems();
  });
  const title = el("span", null, { class: "pl-item-title" });
  title.append(el("span", name));
  if (it.track.error || it.track.missing) {
    title.append(" ", el("span", it.track.missing ? "missing" : "doesn't play", { class: "badge bad", title: it.track.error || "the file is gone from the media folder" }));
  }
  const up = el("button", "↑", { type: "button", "aria-label": `Move ${name} up`, "data-move": "up", onclick: () => move(i, i - 1, "up") });
  const down = el("button", "↓", { type: "button", "aria-label": `Move ${name} down`, "data-move": "down", onclick: () => move(i, i + 2, "down") });
  up.disabled = i === 0;
  down.disabled = i === items.length - 1;
  const weightLabel = el("label", "Weight ", { class: "pl-item-weight" });
  weightLabel.append(weight);
  li.append(
    el("span", "⠿", { class: "pl-grip", "aria-hidden": "true" }),
    el("span", `${i + 1}.`, { class: "pl-pos", "aria-hidden": "true" }),
    title,
    weightLabel,
    up, down,
    el("button", "Remove", { type: "button", "aria-label": `Remove ${name}`, onclick: () => remove(i) }),
  );
  dragHandlers(li, i);
  return li;
}

// move puts item from before the item now at index to (items.length:
// last) and saves; focus follows the moved track's button.
function move(from, to, focus) {
  if (to < 0 || to > items.length) return;
  const [it] = items.splice(from, 1);
  const at = to > from ? to - 1 : to;
  if (at === from) {
    items.splice(from, 0, it);
    return;
  }
  items.splice(at, 0, it);
  showItems();
  saveItems();
  if (focus) {
    const btn = $("pl-items").children[at]?.querySelector(`[data-move="${focus}"]`);
    (btn && !btn.disabled ? btn : $("pl-items").children[at]?.querySelector("[data-move]:not([disabled])"))?.focus();
  }
}

function remove(i) {
  items.splice(i, 1);
  showItems();
  saveItems();
}

// HTML5 drag and drop of rows: the drop lands before or after the row
// under the pointer, by which half of it the pointer is over.
let dragFrom = null;

function dragHandlers(li, i) {
  li.addEventListener("dragstart", (e) => {
    dragFrom = i;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", String(items[i].track_id));
    li.classList.add("dragging");
  });
  li.addEventListener("dragend", () => {
    dragFrom = null;
    for (const r of $("pl-items").children) r.classList.remove("dragging", "drop-before", "drop-after");
  });
  li.addEventListener("dragover", (e) => {
    if (dragFrom === null) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    const after = lowerHalf(li, e);
    li.classList.toggle("drop-before", !after);
    li.classList.toggle("drop-after", after);
  });
  li.addEventListener("dragleave", () => li.classList.remove("drop-before", "drop-after"));
  li.addEventListener("drop", (e) => {
    if (dragFrom === null) return;
    e.preventDefault();
    const from = dragFrom;
    dragFrom = null;
    move(from, lowerHalf(li, e) ? i + 1 : i);
  });
}

function lowerHalf(li, e) {
  const r = li.getBoundingClientRect();
  return e.clientY > r.top + r.height / 2;
}

// Adding tracks from a search of the library.

let searchTimer = 0;
let searchSeq = 0;
let found = [];
let foundFor = ""; // the search found answers

$("pl-q").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(searchTracks, SEARCH_DELAY_MS);
});

async function searchTracks() {
  const q = $("pl-q").value.trim();
  const seq = ++searchSeq;
  if (!q) {
    found = [];
    foundFor = "";
    showFound();
    return;
  }
  try {
    const got = await api("GET", `/api/library?q=${encodeURIComponent(q)}&limit=${SEARCH_LIMIT}`);
    if (seq !== searchSeq) return;
    found = got;
    foundFor = q;
    showFound();
  } catch (err) {
    if (seq === searchSeq) say("pl-items-status", `Search failed: ${err.message}`, true);
  }
}

function showFound() {
  const inList = new Set(items.map((it) => it.track_id));
  if (foundFor && !found.length) {
    $("pl-found").replaceChildren(el("li", `No track matches "${foundFor}".`, { class: "empty" }));
    return;
  }
  $("pl-found").replaceChildren(...found.map((t) => {
    const li = el("li", null, { "data-track": t.id });
    li.append(el("span", trackName(t), { class: "pl-item-title" }));
    if (t.error) {
      li.append(el("span", "doesn't play", { class: "badge bad", title: t.error }));
    } else if (inList.has(t.id)) {
      li.append(el("span", "in the playlist", { class: "hint" }));
    } else {
      li.append(el("button", "Add", {
        type: "button",
        onclick: () => {
          items.push({ track_id: t.id, weight: DEFAULT_ITEM_WEIGHT, track: t });
          showItems();
          saveItems();
        },
      }));
    }
    return li;
  }));
}

// Live state: a new track on air can mean a playlist started playing,
// finished (sequential) or failed.
onEvent("nowplaying", (n) => {
  if (n.station && n.station !== session.station) return;
  onAirPlaylist = n.playlist || "";
  if (currentView() === "playlists") refreshSoon();
});

onView("playlists", () => {
  refreshList();
  if (selected !== null) loadItems();
});
