// Push to Talk as a lease, and the browser's own microphone.
//
// The page holds a WebSocket to the station: /talk when the studio's
// microphone is elsewhere (a sound card, a pipe), /mic when this browser
// sends its microphone. Push to Talk goes over that socket, so when the
// page closes or its connection drops the server releases talk (Lock
// aside): a mic never stays open on air behind a closed tab. Without a
// socket (it is reconnecting), presses fall back to the plain POST.
import { api, session, stationPath } from "./core.js";

let sock = null;        // the open socket, /talk or /mic
let ready = false;      // the socket has answered (the mic's format taken)
let wantMic = false;    // the DJ turned on this browser's microphone
let onState = () => {};
let onMicState = () => {};
let retry = null;
let audio = null;       // {ctx, stream, node} while the mic runs

const wsURL = (path) => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;

// follow holds the lease for the followed station; states go to
// stateFn(mixerState), the mic's condition to micFn(text, on).
export function follow(stateFn, micFn) {
  onState = stateFn;
  onMicState = micFn;
  releaseAudio();
  connect();
}

// leave drops the socket (logging out).
export function leave() {
  releaseAudio();
  close();
}

// press presses or releases Push to Talk.
export async function press(on) {
  if (sock && ready && sock.readyState === WebSocket.OPEN) {
    sock.send(JSON.stringify({ ptt: on }));
    return;
  }
  onState(await api("POST", `${stationPath()}/mixer/ptt`, { on }));
}

function close() {
  clearTimeout(retry);
  retry = null;
  if (sock) {
    const s = sock;
    sock = null;
    ready = false;
    s.onclose = null;
    s.close(1000, "the page moved on");
  }
}

// connect opens /mic when the browser's microphone is on, else /talk.
function connect() {
  close();
  const s = new WebSocket(wsURL(`${stationPath()}/${wantMic ? "mic" : "talk"}`));
  s.binaryType = "arraybuffer";
  sock = s;
  s.onopen = () => {
    if (wantMic && audio) s.send(JSON.stringify({ rate: audio.ctx.sampleRate, channels: 1 }));
  };
  s.onmessage = (e) => {
    if (typeof e.data !== "string") return;
    ready = true;
    if (wantMic) onMicState("On air when you talk", true);
    onState(JSON.parse(e.data));
  };
  s.onclose = (e) => {
    if (sock !== s) return;
    sock = null;
    ready = false;
    if (wantMic) {
      // The server said why (another page has it, the station stopped):
      // show it and go back to the lease without the mic.
      releaseAudio();
      onMicState(e.reason ? `Microphone off: ${e.reason}` : "Microphone off: the connection dropped", false);
    }
    retry = setTimeout(connect, 2000);
  };
}

// startMic asks for the microphone, raw (no echo cancellation, noise
// suppression or gain control: the mixer and the DJ set levels), and
// sends it over /mic.
export async function startMic() {
  if (audio) return;
  onMicState("Asking for the microphone…", false);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 },
    });
  } catch (err) {
    onMicState(`Microphone refused: ${err.message}`, false);
    return;
  }
  const ctx = new AudioContext({ latencyHint: "interactive" });
  try {
    await ctx.audioWorklet.addModule("/console/mic-worklet.js");
  } catch (err) {
    stream.getTracks().forEach((t) => t.stop());
    ctx.close();
    onMicState(`Microphone unavailable: ${err.message}`, false);
    return;
  }
  const src = ctx.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(ctx, "onair-mic-sender", { numberOfInputs: 1, numberOfOutputs: 0 });
  node.port.onmessage = (e) => {
    if (wantMic && sock && ready && sock.readyState === WebSocket.OPEN && sock.bufferedAmount < 1 << 18) sock.send(e.data);
  };
  src.connect(node);
  if (ctx.state === "suspended") await ctx.resume();
  audio = { ctx, stream, node };
  wantMic = true;
  connect();
}

// stopMic stops the microphone and goes back to the plain lease.
export function stopMic() {
  const had = wantMic;
  releaseAudio();
  if (had) {
    onMicState("", false);
    connect();
  }
}

function releaseAudio() {
  wantMic = false;
  if (audio) {
    audio.node.port.onmessage = null;
    audio.stream.getTracks().forEach((t) => t.stop());
    audio.ctx.close();
    audio = null;
  }
}

export const micOn = () => wantMic;
