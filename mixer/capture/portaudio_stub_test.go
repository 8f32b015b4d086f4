//go:build !portaudio

package capture

import (
	"errors"
	"strings"
	"testing"
)

// TestNoPortAudioSaysHowToGetIt: without the tag, the portaudio backend and
// Devices explain how to build with PortAudio.
func TestNoPortAudioSaysHowToGetIt(t *testing.T) {
	const how = "this onair was built without PortAudio; rebuild with: go build -tags portaudio ./cmd/onair (needs the portaudio19-dev package)"
	b, err := New(Options{Backend: BackendPortAudio, SampleRate: 48000, Channels: 1, OutRate: 44100}, nil)
	if b != nil || !errors.Is(err, ErrNoPortAudio) || !strings.Contains(err.Error(), how) {
		t.Errorf("New: %v, %v", b, err)
	}
	devs, err := Devices()
	if devs != nil || err == nil || err.Error() != how {
		t.Errorf("Devices: %v, %v", devs, err)
	}
}
