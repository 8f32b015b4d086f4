package capture

import "errors"

// ErrNoPortAudio is returned by [Devices] and by [New] for the portaudio
// backend in a build without the portaudio tag. Its text tells how to get it.
var ErrNoPortAudio = errors.New("this onair was built without PortAudio; rebuild with: go build -tags portaudio ./cmd/onair (needs the portaudio19-dev package)")

// Errors of the browser backend; their texts are fit to show the page.
var (
	// ErrMicBusy: another page holds the browser microphone.
	ErrMicBusy = errors.New("another page has the microphone")
	// ErrMicOff: the station is not running, so no page can take the mic.
	ErrMicOff = errors.New("the station is not on air")
	// ErrBadFormat: a page's format or audio is not what the mic takes.
	ErrBadFormat = errors.New("bad audio")
)
