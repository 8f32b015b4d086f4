// Package capture brings a station's microphone in: it reads audio from a
// pipe (a file or FIFO of raw PCM, e.g. from arecord) or from a sound card
// through PortAudio, or takes it from a web page (the [Browser] backend,
// whose audio the API's WebSocket brings), converts it to the
// station's format (interleaved stereo float32 at the station rate) and
// hands it to the mixer's mic channel through a [Sink].
//
// A [Backend] runs until its context ends. A missing input, a writer that
// goes away or an unplugged device is never fatal: the backend warns, the
// mic reads as silence, and it tries again.
//
// PortAudio needs cgo and the PortAudio library, so it is compiled in only
// with the build tag portaudio; without it the portaudio backend and
// [Devices] return [ErrNoPortAudio].
package capture
