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
// PortAudio is loaded at run time from libportaudio.so.2 with purego, so
// every Linux build (amd64, arm64, arm; cgo or not) can capture from a
// sound card; without the library the portaudio backend warns and the mic
// is silent, and [Devices] returns an error wrapping [ErrNoPortAudio].
package capture
