// The public station page: one card per station on air, each with its
// song, a Listen button, links for desktop players and the song history.
import {
  follow, Player, stateText, el, clock, displayTitle, savedVolume, saveVolume, mediaSession, mountURL,
} from "./feed.js";

// historyShown is how many songs "Recently played" lists.
const historyShown = 10;
const historyLagMs = 5000;

const cards = new Map(); // by mount
let cardsMade = 0;
const statusLine = document.getElementById("status");

function makeCard(np) {
  const node = document.getElementById("station-card").content.firstElementChild.cloneNode(true);
  const q = (sel) => node.querySelector(sel);
  const card = {
    node, np, mount: np.mount, historyAsked: 0, historyLater: 0,
    name: q(".name"), desc: q(".desc"), live: q(".badge.live"), title: q(".title"), artist: q(".artist"),
    progressBox: q(".progress"), progress: q("progress"), time: q(".time"),
    button: q(".listen"), state: q(".state"), listeners: q(".listeners"),
    history: q(".history"), historyList: q(".history ol"),
  };
  node.dataset.mount = np.mount;
  // Every card's button is "Listen": the station's name tells them apart.
  card.name.id = `station-${++cardsMade}`;
  card.button.setAttribute("aria-describedby", card.name.id);
  card.player = new Player(q("audio"), (state, player) => {
    card.button.setAttribute("aria-pressed", String(player.listening));
    card.node.classList.toggle("playing", player.listening);
    card.state.textContent = stateText[state] ?? "";
  });
  card.button.addEventListener("click", () => toggle(card));
  const volume = q(".volume input");
  volume.value = savedVolume();
  card.player.audio.volume = Number(volume.value);
  volume.addEventListener("input", () => {
    card.player.audio.volume = Number(volume.value);
    saveVolume(volume.value);
  });
  q(".pls").href = mountURL(np.mount, ".pls");
  q(".m3u").href = mountURL(np.mount, ".m3u");
  return card;
}

// toggle starts the card's stream, stopping any other (one at a time), or
// stops it.
function toggle(card) {
  if (card.player.listening) {
    card.player.stop();
    return;
  }
  for (const other of cards.values()) if (other !== card && other.player.listening) other.player.stop();
  card.player.start(card.mount);
  mediaSession(card.player, card.mount, card.np, stationName(card.np));
}

const stationName = (np) => np.name || np.station || np.mount;

function update(card, np) {
  card.np = np;
  card.name.textContent = stationName(np);
  card.desc.textContent = np.description || "";
  card.desc.hidden = !np.description;
  card.live.hidden = !np.live;
  card.title.textContent = np.title || (np.artist ? "" : "No title yet");
  card.artist.textContent = np.artist || "";
  card.artist.hidden = !np.artist;
  card.listeners.textContent = `${np.listeners} listening`;
  tick(card);
}

// tick moves the song's progress bar, when its length is known.
function tick(card) {
  const np = card.np;
  const known = np.duration_ms > 0 && !np.live && np.started_at;
  card.progressBox.hidden = !known;
  if (!known) return;
  const played = Math.min(np.duration_ms, Math.max(0, Date.now() - Date.parse(np.started_at)));
  card.progress.value = played / np.duration_ms;
  card.time.textContent = `${clock(played)} / ${clock(np.duration_ms)}`;
}

// loadHistory lists the station's last songs, the one playing aside.
async function loadHistory(card) {
  const np = card.np;
  if (!np.station) {
    card.history.hidden = true; // a relay: no history of its own
    return;
  }
  const asked = ++card.historyAsked;
  try {
    const resp = await fetch(`/api/history?station=${encodeURIComponent(np.station)}&limit=${historyShown + 1}`, { cache: "no-store" });
    if (!resp.ok) throw new Error(`history: HTTP ${resp.status}`);
    let plays = await resp.json();
    if (asked !== card.historyAsked) return; // a newer answer is coming
    // The newest play is the song on air, unless the history lags.
    if (plays.length && displayTitle(plays[0]) === displayTitle(np)) plays = plays.slice(1);
    plays = plays.slice(0, historyShown);
    card.historyList.replaceChildren(...plays.map((p) => {
      const li = el("li");
      const at = new Date(p.played_at);
      const time = el("time", at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
      time.dateTime = at.toISOString();
      li.append(time, el("span", displayTitle(p), "song"));
      return li;
    }));
    card.history.hidden = plays.length === 0;
  } catch (err) {
    console.warn("cannot read the history:", err);
  }
}

function show(list, changed, err) {
  // One card per station: its further outputs (other bitrates and
  // codecs of the same program) are not stations of their own.
  list = list.filter((np) => !np.output);
  statusLine.hidden = list.length > 0;
  if (list.length === 0) {
    statusLine.textContent = err ? "The station cannot be reached right now." : "Nothing is on air right now.";
  }
  const mounts = new Set(list.map((np) => np.mount));
  for (const [mount, card] of cards) {
    if (mounts.has(mount)) continue;
    if (card.player.listening) card.player.stop();
    clearTimeout(card.historyLater);
    card.node.remove();
    cards.delete(mount);
  }
  let before = statusLine;
  for (const np of list) {
    let card = cards.get(np.mount);
    if (!card) {
      card = makeCard(np);
      cards.set(np.mount, card);
    }
    if (before.nextElementSibling !== card.node) before.after(card.node); // list order
    before = card.node;
    update(card, np);
    if (changed.has(np.mount)) {
      loadHistory(card);
      // A song is written to the history as it goes on air, a moment
      // after its title may show here: look again once it has been.
      clearTimeout(card.historyLater);
      card.historyLater = setTimeout(() => loadHistory(card), historyLagMs);
      if (card.player.listening) mediaSession(card.player, card.mount, np, stationName(np));
    }
  }
  document.title = list.length ? list.map(stationName).join(" · ") : "Radio";
}

setInterval(() => { for (const card of cards.values()) tick(card); }, 1000);
follow(show);
