package capture

import "strings"

// Device is a sound card input PortAudio can capture from.
type Device struct {
	// Name is what Options.Device matches.
	Name string
	// Inputs is the most input channels it has.
	Inputs int
	// DefaultRate is its usual sample rate in Hz.
	DefaultRate float64
	// Default marks the system's default input.
	Default bool
}

// pickDevice returns the index in names of the device want names: an exact
// match first, else the first name that contains it ignoring case; -1 if
// none does.
func pickDevice(names []string, want string) int {
	for i, n := range names {
		if n == want {
			return i
		}
	}
	w := strings.ToLower(want)
	for i, n := range names {
		if strings.Contains(strings.ToLower(n), w) {
			return i
		}
	}
	return -1
}
