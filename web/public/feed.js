// Shared by the public station page and the embedded player: what the
// stations play, kept current by the public event stream, and a player
// for a mount. Every string from the server goes into the page as text
// (textContent), never as HTML.

// resyncMs is how often the list is read again when the event stream
// cannot tell: it was refused (too many visitors), or a mount has no
// station behind it (a relay), whose titles only the list has.
const resyncMs = 15000;
// reopenMs is how long after the server refused the event stream it is
// asked again.
const reopenMs = 60000;

// songOf is the part of an entry that changes with the song.
const songOf = ({ title, artist, started_at, duration_ms, live, playlist }) =>
  ({ title, artist, started_at, duration_ms, live, playlist });

// titleKey is what makes a new song: a new title, or the same one again.
const titleKey = (np) => np ? `${np.artist}\u0000${np.title}\u0000${np.started_at}\u0000${np.live}` : "";

// follow keeps the list of what is on air (GET /api/nowplaying's entries)
// and calls show(list, changed) at once and after each change; changed is
// the set of mounts whose song changed (all of them the first time).
// With station set, the event stream covers that station alone.
export function follow(show, station = "") {
  let list = [];
  let events = null;
  let opened = false;
  let loading = null;
  const heard = new Map(); // the event stream's latest entry, by mount

  // load reads the whole list, once at a time.
  function load() {
    loading ??= (async () => {
      try {
        const resp = await fetch("/api/nowplaying", { cache: "no-store" });
        if (!resp.ok) throw new Error(`now playing: HTTP ${resp.status}`);
        const fresh = await resp.json();
        const before = new Map(list.map((np) => [np.mount, np]));
        // An event may have brought a newer song while the list was on
        // its way: the newer one stays.
        list = fresh.map((np) => {
          const ev = heard.get(np.mount);
          return ev && Date.parse(ev.started_at) > Date.parse(np.started_at) ? { ...np, ...songOf(ev) } : np;
        });
        show(list, new Set(list.filter((np) => titleKey(before.get(np.mount)) !== titleKey(np)).map((np) => np.mount)));
      } catch (err) {
        console.warn("cannot read now playing:", err);
        if (list.length === 0) show(list, new Set(), err);
      } finally {
        loading = null;
      }
    })();
  }

  function listen() {
    const q = station ? `?station=${encodeURIComponent(station)}` : "";
    const es = new EventSource(`/api/nowplaying/events${q}`);
    events = es;
    // Back after a drop: events may have been missed, the list is read
    // again (the first time, load below has just read it).
    es.addEventListener("open", () => { if (opened) load(); opened = true; });
    es.addEventListener("nowplaying", (e) => {
      const np = JSON.parse(e.data);
      heard.set(np.mount, np);
      const i = list.findIndex((x) => x.mount === np.mount);
      if (i < 0) { load(); return; } // a station the list has not shown yet
      const old = list[i];
      // The stream does not repeat the station's name and description.
      list[i] = { ...old, ...np, name: np.name || old.name, description: np.description || old.description };
      show(list, titleKey(old) === titleKey(list[i]) ? new Set() : new Set([np.mount]));
    });
    es.addEventListener("listeners", (e) => {
      const l = JSON.parse(e.data);
      const np = list.find((x) => x.mount === l.mount);
      if (!np) return;
      np.listeners = l.listeners;
      show(list, new Set());
    });
    es.addEventListener("error", () => {
      // A drop is retried by the browser itself; a refusal (503) or a
      // server gone for good closes the stream: poll until asked again.
      if (es.readyState !== EventSource.CLOSED) return;
      events = null;
      setTimeout(listen, reopenMs);
    });
  }

  load();
  listen();
  setInterval(() => {
    if (!events || list.length === 0 || list.some((np) => !np.station)) load();
  }, resyncMs);
}

// Player states, as shown beside the button.
export const stateText = {
  connecting: "Connecting…",
  playing: "Playing",
  buffering: "Buffering…",
  reconnecting: "Reconnecting…",
  stopped: "",
  failed: "The stream stopped. Press Listen to try again.",
};

// maxRetries is how many times in a row a dropped stream is reconnected
// before the player gives up; retryMs the pause before each.
const maxRetries = 5;
const retryMs = 2000;

// Player plays a mount in an <audio> element. The element's source is set
// when listening starts, with a query that makes it a new request (live,
// not an old buffer), and removed when it stops; a title change never
// touches it, so the music plays on through it.
export class Player {
  #audio;
  #onState;
  #mount = "";
  #wanted = false;
  #retries = 0;
  #timer = 0;

  constructor(audio, onState) {
    this.#audio = audio;
    this.#onState = onState;
    audio.addEventListener("playing", () => { this.#retries = 0; this.#state("playing"); });
    audio.addEventListener("waiting", () => this.#state("buffering"));
    audio.addEventListener("error", () => this.#dropped());
    audio.addEventListener("ended", () => this.#dropped());
  }

  get listening() { return this.#wanted; }

  get audio() { return this.#audio; }

  start(mount) {
    this.#mount = mount;
    this.#wanted = true;
    this.#retries = 0;
    this.#connect();
  }

  stop() {
    this.#wanted = false;
    clearTimeout(this.#timer);
    this.#audio.pause();
    // Without a source the browser closes the connection: a stopped
    // player is no listener.
    this.#audio.removeAttribute("src");
    this.#audio.load();
    this.#state("stopped");
  }

  #connect() {
    this.#audio.src = `${mountURL(this.#mount)}?listen=${Date.now()}`;
    this.#state("connecting");
    this.#audio.play().catch((err) => {
      // Aborted by a stop or a reconnect: not a failure.
      if (err.name !== "AbortError" && this.#wanted) {
        this.stop();
        this.#state("failed");
      }
    });
  }

  // dropped reconnects after the stream broke or ended (the source left
  // and no fallback took over), a few times, then gives up.
  #dropped() {
    if (!this.#wanted) return;
    if (this.#retries >= maxRetries) {
      this.stop();
      this.#state("failed");
      return;
    }
    this.#retries++;
    this.#state("reconnecting");
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => { if (this.#wanted) this.#connect(); }, retryMs);
  }

  #state(s) { this.#onState(s, this); }
}

// el makes an element with text (never parsed as HTML) and a class.
export function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

// clock shows milliseconds as m:ss, or h:mm:ss from an hour.
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

// mountURL is the URL of a mount (and of its .pls or .m3u with suffix)
// on this server: a path, whatever the mount's name holds.
export const mountURL = (mount, suffix = "") =>
  "/" + mount.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/") + suffix;

// displayTitle is an entry's song as one line: "Artist - Title".
export const displayTitle = (np) => (np.artist ? `${np.artist} - ${np.title}` : np.title) || "";

// savedVolume is the volume the visitor chose last time (1 at first).
export function savedVolume() {
  try {
    const v = Number(localStorage.getItem("onair-volume"));
    return localStorage.getItem("onair-volume") !== null && v >= 0 && v <= 1 ? v : 1;
  } catch { return 1; } // storage refused (a framed page in some browsers)
}

export function saveVolume(v) {
  try { localStorage.setItem("onair-volume", String(v)); } catch { /* kept for this visit only */ }
}

// mediaSession shows the song on the phone's lock screen and in the
// browser's media controls, whose play and pause work the player.
export function mediaSession(player, mount, np, stationName) {
  if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") return;
  navigator.mediaSession.metadata = new MediaMetadata({
    title: np.title || stationName || mount, artist: np.artist || "", album: stationName || "",
  });
  navigator.mediaSession.setActionHandler("play", () => player.start(mount));
  navigator.mediaSession.setActionHandler("pause", () => player.stop());
  navigator.mediaSession.setActionHandler("stop", () => player.stop());
}
