// The small player other sites embed in an <iframe>: a Listen button, the
// song and the station's name. ?station=ID or ?mount=/path picks the
// stream; without either it plays the first station on air.
import { follow, Player, stateText, displayTitle, mediaSession } from "./feed.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const wantStation = params.get("station") || "";
const wantMount = params.get("mount") ? "/" + params.get("mount").replace(/^\/+/, "") : "";

let np = null;
const player = new Player($("audio"), (state, p) => {
  $("listen").setAttribute("aria-pressed", String(p.listening));
  document.body.classList.toggle("playing", p.listening);
  $("state").textContent = state === "playing" ? "" : stateText[state] ?? "";
});

$("listen").addEventListener("click", () => {
  if (player.listening) {
    player.stop();
  } else if (np) {
    player.start(np.mount);
    mediaSession(player, np.mount, np, np.name || np.station);
  }
});

function pick(list) {
  // A station's own mount, not one of its further outputs, unless a
  // mount is asked for by name.
  if (wantStation) return list.find((x) => x.station === wantStation && !x.output);
  if (wantMount) return list.find((x) => x.mount === wantMount);
  return list.find((x) => !x.output);
}

follow((list, changed, err) => {
  const cur = pick(list);
  if (!cur) {
    np = null;
    $("listen").disabled = !player.listening;
    $("title").textContent = err ? "The station cannot be reached right now."
      : (wantStation || wantMount ? "This station is not on air." : "Nothing is on air right now.");
    return;
  }
  np = cur;
  $("listen").disabled = false;
  const song = displayTitle(np) || "No title yet";
  $("title").textContent = song;
  $("title").title = song; // the whole of it, when the line cuts it short
  $("name").textContent = np.name || np.station || np.mount;
  $("live").hidden = !np.live;
  document.title = `${np.name || np.station || np.mount} player`;
  if (changed.has(np.mount) && player.listening) mediaSession(player, np.mount, np, np.name || np.station);
}, wantStation);
