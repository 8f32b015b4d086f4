//go:build portaudio

package capture

import (
	"context"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// TestSoundCardMissingDeviceIsSilentAndCancellable: a device that is not
// there is a warning and silence, not an error, and Run still ends at once.
func TestSoundCardMissingDeviceIsSilentAndCancellable(t *testing.T) {
	logger, log := newTestLogger(t)
	b, err := New(Options{Backend: BackendPortAudio, Device: "no such card 4711", SampleRate: 44100, Channels: 2, OutRate: 44100}, logger)
	if err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, sink) }()
	testenv.WaitFor(t, "the warning", func() bool { return strings.Contains(log.String(), "mic device unavailable") })
	if h := sink.history(); h != "" {
		t.Errorf("sink events %q without a device", h)
	}
	at := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		if d := time.Since(at); d > time.Second {
			t.Errorf("Run took %v to return", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}

// TestDevicesListsOnlyInputs: whatever this machine has, Devices works
// and lists inputs only, at most one of them the default.
func TestDevicesListsOnlyInputs(t *testing.T) {
	devs, err := Devices()
	if err != nil {
		t.Skipf("PortAudio unavailable here: %v", err)
	}
	defaults := 0
	for _, d := range devs {
		if d.Inputs < 1 || d.Name == "" {
			t.Errorf("not an input: %+v", d)
		}
		if d.Default {
			defaults++
		}
	}
	if defaults > 1 {
		t.Errorf("%d defaults", defaults)
	}
	if devs == nil {
		t.Error("nil list; want an empty one")
	}
}
