// An AudioWorklet that turns the microphone into the browser-mic
// protocol's binary messages: little-endian int16, mono, about 20 ms each,
// posted to the page as transferable buffers.
class MicSender extends AudioWorkletProcessor {
  constructor() {
    super();
    // 20 ms at the context's rate: small enough for low latency, large
    // enough that the socket carries 50 messages a second, not 375.
    this.frames = Math.max(128, Math.round(sampleRate / 50));
    this.buf = new Int16Array(this.frames);
    this.n = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const ch0 = input[0];
    const ch1 = input.length > 1 ? input[1] : null;
    for (let i = 0; i < ch0.length; i++) {
      // A stereo device is folded to mono: a DJ's voice is one source.
      let v = ch1 ? (ch0[i] + ch1[i]) * 0.5 : ch0[i];
      v = Math.max(-1, Math.min(1, v));
      this.buf[this.n++] = v < 0 ? v * 32768 : v * 32767;
      if (this.n === this.frames) {
        this.port.postMessage(this.buf.buffer, [this.buf.buffer]);
        this.buf = new Int16Array(this.frames);
        this.n = 0;
      }
    }
    return true;
  }
}

registerProcessor("onair-mic-sender", MicSender);
