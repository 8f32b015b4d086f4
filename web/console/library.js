// The console's Library view: search the tracks, upload files (picked or
// dropped) one at a time with a progress bar each, rescan the media
// folders, and add a track to a playlist. Files that do not play are
// flagged with the reason and cannot be added. Strings from the server
// and file names go in through textContent only.
import { $, api, session, onView, el, clock, bytes } from "./core.js";
import { addTrack, playlistsOfStation } from "./playlists.js";

const SEARCH_DELAY_MS = 250;
// A rescan runs in the background; the list is read again after these.
const RESCAN_REFRESH_MS = [1000, 4000];

let searchTimer = 0;
let searchSeq = 0;

// A file without tags is shown by its name; the full path is a tooltip.
const fileName = (path) => path.slice(path.lastIndexOf("/") + 1);
const trackName = (t) => (t.artist ? `${t.artist} - ${t.title}` : t.title) || fileName(t.path);

function say(text, isError = false) {
  $("lib-status").textContent = text;
  $("lib-status").classList.toggle("error", isError);
}

// search shows the tracks matching the search box; answers to older
// searches, which may arrive late, are dropped.
async function search() {
  const seq = ++searchSeq;
  const q = $("lib-q").value.trim();
  try {
    const tracks = await api("GET", `/api/library?q=${encodeURIComponent(q)}`);
    if (seq !== searchSeq) return;
    showTracks(tracks, q);
  } catch (err) {
    if (seq === searchSeq) say(`Could not load the library: ${err.message}`, true);
  }
}

function showTracks(tracks, q) {
  const broken = tracks.filter((t) => t.error).length;
  let text = q ? `${tracks.length} tracks match "${q}"` : `${tracks.length} tracks`;
  if (broken) text += `, ${broken} of them ${broken === 1 ? "does" : "do"} not play`;
  say(`${text}.`);
  const rows = tracks.map(trackRow);
  if (!rows.length) {
    const td = el("td", q ? "No track matches." : "The library is empty: upload files or add them to a media folder and rescan.", { colspan: "7", class: "empty" });
    rows.push(el("tr"));
    rows[0].append(td);
  }
  $("lib-rows").replaceChildren(...rows);
}

function trackRow(t) {
  const tr = el("tr", null, { "data-track": t.id });
  const title = el("td", null, { "data-label": "Title", title: t.path });
  title.append(el("span", t.title || fileName(t.path)));
  if (t.error) {
    tr.classList.add("broken");
    title.append(" ", el("span", "doesn't play", { class: "badge bad" }), el("span", t.error, { class: "error lib-why" }));
  }
  const format = t.format ? `${t.format.toUpperCase()}${t.bitrate ? ` · ${t.bitrate} kbps` : ""}` : "";
  const actions = el("td", null, { class: "actions" });
  if (!t.error) actions.append(el("button", "Add to playlist", { type: "button", onclick: () => openAdd(t) }));
  tr.append(
    el("td", t.artist, { "data-label": "Artist" }),
    title,
    el("td", t.album, { "data-label": "Album" }),
    el("td", t.duration_ms ? clock(t.duration_ms) : "", { "data-label": "Length" }),
    el("td", format, { "data-label": "Format" }),
    loudnessCell(t),
    actions,
  );
  return tr;
}

// loudnessCell shows a track's integrated loudness, with its true peak
// and where the figure came from on hover; a dash until it is known.
function loudnessCell(t) {
  if (t.loudness_lufs == null) {
    return el("td", "–", { "data-label": "Loudness", title: "not measured yet" });
  }
  const peak = t.true_peak_dbtp == null ? "" : `, true peak ${t.true_peak_dbtp.toFixed(1)} dBTP`;
  const from = t.loudness_source === "tag" ? " (from its tags; not measured yet)" : "";
  return el("td", `${t.loudness_lufs.toFixed(1)} LUFS`, { "data-label": "Loudness", title: `integrated loudness${peak}${from}` });
}

$("lib-q").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(search, SEARCH_DELAY_MS);
});

$("lib-rescan").addEventListener("click", async () => {
  try {
    await api("POST", "/api/library/rescan");
    say("Rescanning the media folders: the list refreshes in a moment.");
    for (const ms of RESCAN_REFRESH_MS) setTimeout(search, ms);
  } catch (err) {
    say(`Rescan failed: ${err.message}`, true);
  }
});

// Uploads: each file gets a row with its name, a progress bar and its
// result; files go up one after another.

const queue = [];
let uploading = false;

$("lib-upload").addEventListener("click", () => $("lib-files").click());
$("lib-files").addEventListener("change", (e) => {
  enqueue([...e.target.files]);
  e.target.value = ""; // the same file can be picked again
});

// Files dropped anywhere on the page while the view is shown upload too
// (a drop just outside it would otherwise open the file in the tab and
// leave the console).
const view = $("library");
const carriesFiles = (e) => !view.hidden && e.dataTransfer && [...e.dataTransfer.types].includes("Files");
document.addEventListener("dragover", (e) => {
  if (!carriesFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = "copy";
  view.classList.add("dropping");
});
document.addEventListener("dragleave", (e) => {
  if (!e.relatedTarget) view.classList.remove("dropping"); // left the window
});
document.addEventListener("drop", (e) => {
  view.classList.remove("dropping");
  if (!carriesFiles(e)) return;
  e.preventDefault();
  enqueue([...e.dataTransfer.files]);
});

function enqueue(files) {
  for (const file of files) queue.push({ file, row: uploadRow(file) });
  if (!uploading) drain();
}

function uploadRow(file) {
  const progress = el("progress", null, { max: "1", value: "0", "aria-label": `Upload of ${file.name}` });
  const result = el("span", "waiting", { class: "lib-result" });
  const li = el("li", null, { class: "lib-upload" });
  li.append(el("span", file.name, { class: "lib-file" }), el("span", bytes(file.size), { class: "lib-size" }), progress, result);
  $("lib-uploads").append(li);
  return { li, progress, result };
}

async function drain() {
  uploading = true;
  while (queue.length) {
    const { file, row } = queue.shift();
    await send(file, row);
  }
  uploading = false;
  search();
}

// send posts one file as the multipart field "file". XMLHttpRequest, not
// fetch, because only it reports the upload's progress.
function send(file, row) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/library/upload?station=${encodeURIComponent(session.station)}`);
    xhr.setRequestHeader("X-CSRF-Token", session.csrf);
    xhr.responseType = "json";
    row.result.textContent = "uploading…";
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) row.progress.value = e.loaded / e.total;
    };
    xhr.onload = () => {
      if (xhr.status === 201 && xhr.response) {
        row.progress.value = 1;
        finished(row, true, `Added: ${trackName(xhr.response)}`);
      } else {
        finished(row, false, refusal(xhr.status, xhr.response));
      }
      resolve();
    };
    xhr.onerror = () => {
      finished(row, false, "Failed: the connection was cut (a file over the size limit is cut off).");
      resolve();
    };
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

function refusal(status, body) {
  const why = (body && body.error) || `HTTP ${status}`;
  switch (status) {
    case 413: return `Too large: ${why}`;
    case 400: return `Refused: ${why}`;
    case 401: case 403: return `Not allowed: ${why}`;
    default: return `Failed: ${why}`;
  }
}

function finished(row, ok, text) {
  row.li.classList.add(ok ? "done" : "failed");
  row.result.textContent = text;
  row.result.classList.toggle("error", !ok);
}

// Add to playlist: a dialog to pick one of the station's playlists.

let adding = null; // the track the dialog adds
let lastPlaylist = ""; // the dialog offers the last one picked first

async function openAdd(track) {
  adding = track;
  const dlg = $("lib-add");
  $("lib-add-track").textContent = trackName(track);
  $("lib-add-status").textContent = "";
  const sel = $("lib-add-pl");
  sel.replaceChildren();
  dlg.showModal();
  try {
    const list = await playlistsOfStation();
    sel.replaceChildren(...list.map((p) => new Option(p.name, String(p.id))));
    if (list.some((p) => String(p.id) === lastPlaylist)) sel.value = lastPlaylist;
    if (!list.length) $("lib-add-status").textContent = "No playlist yet: create one in Playlists first.";
  } catch (err) {
    $("lib-add-status").textContent = `Could not load the playlists: ${err.message}`;
  }
}

$("lib-add-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("lib-add-pl").value;
  if (!adding || !id) return;
  try {
    const { name, added } = await addTrack(Number(id), adding.id);
    lastPlaylist = id;
    say(added ? `Added ${trackName(adding)} to ${name}.` : `${trackName(adding)} is already in ${name}.`);
    $("lib-add").close();
  } catch (err) {
    $("lib-add-status").textContent = `Not added: ${err.message}`;
  }
});

$("lib-add-cancel").addEventListener("click", () => $("lib-add").close());

onView("library", search);
