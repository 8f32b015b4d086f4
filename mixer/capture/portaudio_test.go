//go:build linux && (amd64 || arm64 || arm)

package capture

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onair/dsp/resample"
	"onair/internal/leakcheck"
	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// requirePortAudio returns the loaded library. Without it the test is
// skipped, except in CI, where .ci/run installs it.
func requirePortAudio(t *testing.T) *paLib {
	t.Helper()
	lib, err := loadPortAudio()
	if err == nil {
		return lib
	}
	if !errors.Is(err, ErrNoPortAudio) {
		t.Fatalf("loadPortAudio: %v, want an error wrapping ErrNoPortAudio", err)
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%v: .ci/run must install it (apt-get install libportaudio2)", err)
	}
	t.Skipf("%v: install it to run this test (apt-get install libportaudio2)", err)
	return nil
}

// toneCard makes ALSA's file plugin a capture device named name that
// plays seconds of a sine of freq at amplitude amp, s16le mono at rate,
// and points HOME at it.
func toneCard(t *testing.T, name string, seconds, rate int, freq, amp float64) {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "tone.raw")
	if err := os.WriteFile(raw, testaudio.S16LE(testaudio.Sine(seconds*rate, float64(rate), freq, amp), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", testenv.ALSACaptureHome(t, name, raw, rate, 1))
}

// TestMissingPortAudioSaysHowToInstallIt: a library that is not there
// is named, with the package to install.
func TestMissingPortAudioSaysHowToInstallIt(t *testing.T) {
	_, err := openPortAudio("libportaudio-missing.so.2")
	if err == nil {
		t.Fatal("a missing library loaded")
	}
	err = noPortAudio(err)
	const want = "PortAudio is not available: libportaudio-missing.so.2 not found (apt install libportaudio2)"
	if !errors.Is(err, ErrNoPortAudio) || err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
}

// TestSoundCardMissingDeviceIsSilentAndCancellable: a device that is not
// there, or a PortAudio library that is not, is a warning and silence,
// not an error, and Run still ends at once.
func TestSoundCardMissingDeviceIsSilentAndCancellable(t *testing.T) {
	leakcheck.Check(t)
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
	if _, err := loadPortAudio(); err == nil && !strings.Contains(log.String(), `no input device matches \"no such card 4711\" (see: onair devices)`) {
		t.Errorf("the warning does not name the device: %s", log.String())
	} else if err != nil && !strings.Contains(log.String(), "PortAudio is not available: libportaudio.so.2 not found (apt install libportaudio2)") {
		t.Errorf("the warning does not say how to install PortAudio: %s", log.String())
	}
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

// TestDevicesListsOnlyInputs: Devices lists the test's capture device,
// inputs only, at most one of them the default.
func TestDevicesListsOnlyInputs(t *testing.T) {
	requirePortAudio(t)
	toneCard(t, "onair_test_in", 1, 48000, 2000, 0.5)
	devs, err := Devices()
	if err != nil {
		t.Fatal(err)
	}
	defaults, found := 0, false
	for _, d := range devs {
		if d.Inputs < 1 || d.Name == "" {
			t.Errorf("not an input: %+v", d)
		}
		if d.Default {
			defaults++
		}
		found = found || d.Name == "onair_test_in"
	}
	if defaults > 1 {
		t.Errorf("%d defaults", defaults)
	}
	if !found {
		t.Errorf("the ALSA device onair_test_in is not listed: %+v", devs)
	}
}

// TestSoundCardCapturesThroughALSA runs the whole capture path: a 2 kHz
// tone, 48 kHz mono, read by ALSA's file plugin, through PortAudio into
// the sink at 44.1 kHz stereo, at its level and no faster than real
// time; when Run ends, the device and PortAudio are closed and no
// goroutine is left.
func TestSoundCardCapturesThroughALSA(t *testing.T) {
	leakcheck.Check(t)
	lib := requirePortAudio(t)
	const amp = 0.5
	toneCard(t, "onair_test_tone", 30, 48000, 2000, amp)
	logger, log := newTestLogger(t)
	b, err := New(Options{Backend: BackendPortAudio, Device: "TEST_TONE", SampleRate: 48000, Channels: 1, OutRate: 44100}, logger)
	if err != nil {
		t.Fatal(err)
	}
	sink := &fakeSink{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, sink) }()
	testenv.WaitFor(t, "the device to open", func() bool { return strings.Contains(log.String(), "mic device opened") })
	opened := time.Now()
	time.Sleep(1500 * time.Millisecond)
	frames := sink.frames()
	elapsed := time.Since(opened)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	// The device has the whole file ready at once: the reads keep to
	// the clock, a lead of cardLead allowed.
	if most := (elapsed + cardLead + 100*time.Millisecond).Seconds() * 44100; float64(frames) > most {
		t.Errorf("%d frames in %v: faster than real time", frames, elapsed)
	}
	if least := 1.2 * 44100; float64(frames) < least {
		t.Errorf("%d frames in %v, want at least %.0f", frames, elapsed, least)
	}
	if h := sink.history(); h != "start,write,stop" {
		t.Errorf("sink events %q, want start,write,stop", h)
	}
	if n := lib.openSessions(); n != 0 {
		t.Errorf("%d PortAudio sessions left open", n)
	}
	if strings.Contains(log.String(), "mic audio lost") || strings.Contains(log.String(), "level=WARN") {
		t.Errorf("warnings: %s", log.String())
	}
	pcm := sink.audio()
	left, right := testaudio.Channel(pcm, 0, 2), testaudio.Channel(pcm, 1, 2)
	x := left[4410:44100]
	got := testaudio.Level(x, 44100, 2000)
	if db := testaudio.DB(got / amp); math.Abs(db) > 0.5 {
		t.Errorf("2 kHz at %.4f (%.2f dB from the file's %.1f)", got, db, amp)
	}
	if r := testaudio.Level(right[4410:44100], 44100, 2000); math.Abs(testaudio.DB(r/got)) > 0.01 {
		t.Errorf("right channel at %.4f, left at %.4f: want the mono input in both", r, got)
	}
	for _, f := range []float64{1000, 3000, 4000} {
		if a := testaudio.Level(x, 44100, f); a > amp/1000 {
			t.Errorf("%v Hz at %.5f, want < -60 dB", f, a)
		}
	}
}

// TestCardReaderStepDoesNotAllocate: a block from the device to the sink
// costs no allocation, whether the step reads or waits for the clock.
func TestCardReaderStepDoesNotAllocate(t *testing.T) {
	lib := requirePortAudio(t)
	toneCard(t, "onair_test_tone", 5, 48000, 2000, 0.5)
	if err := lib.begin(); err != nil {
		t.Fatal(err)
	}
	defer lib.end()
	dev, err := lib.findInput("onair_test_tone")
	if err != nil {
		t.Fatal(err)
	}
	s, err := lib.openStream(dev, 1, 48000)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	r := newCardReader(s, 48000, 44100, resample.Best, discardSink{})
	now := time.Now()
	reads := 0
	if allocs := testing.AllocsPerRun(200, func() {
		now = now.Add(5 * time.Millisecond)
		got, err := r.step(now)
		if err != nil {
			t.Fatal(err)
		}
		if got {
			reads++
		}
	}); allocs != 0 {
		t.Errorf("%v allocations per step", allocs)
	}
	// The device has about 10 ms ready at a time: a read every other
	// step, more while the lead is taken.
	if reads < 90 {
		t.Errorf("%d of 201 steps read audio", reads)
	}
}
