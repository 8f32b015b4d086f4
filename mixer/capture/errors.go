package capture

import "errors"

// ErrNoPortAudio is returned by [Devices] and by [New] for the portaudio
// backend in a build without the portaudio tag. Its text tells how to get it.
var ErrNoPortAudio = errors.New("this onair was built without PortAudio; rebuild with: go build -tags portaudio ./cmd/onair (needs the portaudio19-dev package)")

// ErrBrowserMic is returned by [New] for the browser backend, which is not
// there yet; the caller logs it as a warning and goes on without a mic.
var ErrBrowserMic = errors.New("the browser microphone arrives with the web console; until then the mic stays silent")
