package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// toneCardHome makes ALSA's file plugin a capture device named name that
// plays seconds of a 2 kHz sine at amplitude amp, s16le mono at 48 kHz,
// and returns the home folder whose .asoundrc defines it.
func toneCardHome(t *testing.T, name string, seconds int, amp float64) string {
	t.Helper()
	raw := filepath.Join(t.TempDir(), "tone.raw")
	if err := os.WriteFile(raw, testaudio.S16LE(testaudio.Sine(seconds*48000, 48000, micHz, amp), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	return testenv.ALSACaptureHome(t, name, raw, 48000, 1)
}

// requirePortAudioIn skips the test when the binary says PortAudio cannot
// be loaded, except in CI, where .ci/run installs it.
func requirePortAudioIn(t *testing.T, stderr string) {
	t.Helper()
	if !strings.Contains(stderr, "PortAudio is not available") {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s.ci/run must install it (apt-get install libportaudio2)", stderr)
	}
	t.Skipf("%sinstall it to run this test (apt-get install libportaudio2)", stderr)
}

// TestDevicesListsTheSoundCardInputs: the binary, built without cgo as
// released, lists the ALSA capture device the test defines.
func TestDevicesListsTheSoundCardInputs(t *testing.T) {
	bin := buildBinary(t)
	home := toneCardHome(t, "onair_test_card", 1, 0.5)
	code, out, errOut := onairCmd(t, bin, "", []string{"HOME=" + home}, "devices")
	requirePortAudioIn(t, errOut)
	if code != 0 {
		t.Fatalf("exit code %d; stderr: %s", code, errOut)
	}
	// A line for the device: the default mark when it is the only
	// input, its name, channels and rate (the plug in front of the file
	// plugin takes any; PortAudio says what it found).
	found := false
	for l := range strings.SplitSeq(out, "\n") {
		f := strings.Fields(strings.TrimPrefix(l, "*"))
		found = found || len(f) == 4 && f[0] == "onair_test_card" && f[3] == "Hz"
	}
	if !found {
		t.Errorf("no line for the test's device in:\n%s", out)
	}
	if !strings.HasPrefix(out, "DEFAULT") || !strings.Contains(out, "Set a station's mic.device") {
		t.Errorf("output:\n%s", out)
	}
}

// TestDevicesRejectsArguments: devices takes none.
func TestDevicesRejectsArguments(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := realMain([]string{"devices", "extra"}, &out, &errOut); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
}
