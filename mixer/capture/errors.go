package capture

import "errors"

// ErrNoPortAudio is wrapped by the errors of [Devices] and of the portaudio
// backend when the PortAudio library cannot be loaded; their text says why
// and how to install it.
var ErrNoPortAudio = errors.New("PortAudio is not available")

// paInstall is the fix for a PortAudio that does not load.
const paInstall = "apt install libportaudio2"

// Errors of the browser backend; their texts are fit to show the page.
var (
	// ErrMicBusy: another page holds the browser microphone.
	ErrMicBusy = errors.New("another page has the microphone")
	// ErrMicOff: the station is not running, so no page can take the mic.
	ErrMicOff = errors.New("the station is not on air")
	// ErrBadFormat: a page's format or audio is not what the mic takes.
	ErrBadFormat = errors.New("bad audio")
)
