package opus

import (
	"errors"
	"os"
	"testing"

	"onair/internal/testaudio"
)

// needOpus loads libopus, or skips the test saying what to install (fails
// it in CI, where .ci/run installs libopus0).
func needOpus(t testing.TB) *Library {
	t.Helper()
	lib, err := Load()
	switch {
	case err == nil:
		return lib
	case !errors.Is(err, ErrNoLibrary):
		t.Fatal(err)
	case os.Getenv("CI") != "":
		t.Fatalf("%v: .ci/run must install it", err)
	}
	t.Skip(err)
	return nil
}

// Test signal.
const (
	toneHz  = 1000.0
	toneAmp = 0.5
)

// tone is seconds of a sine at freq Hz, peak toneAmp, at 48 kHz,
// interleaved for channels.
func tone(seconds, freq float64, channels int) []float32 {
	return testaudio.Interleave32(testaudio.Sine(int(seconds*SampleRate), SampleRate, freq, toneAmp), channels)
}

// encodeAll encodes pcm frame by frame and returns the packets; a partial
// frame at the end is dropped.
func encodeAll(t testing.TB, enc *Encoder, pcm []float32) [][]byte {
	t.Helper()
	n := FrameSize * enc.Channels()
	var packets [][]byte
	for len(pcm) >= n {
		p, err := enc.Encode(nil, pcm[:n])
		if err != nil {
			t.Fatal(err)
		}
		packets = append(packets, p)
		pcm = pcm[n:]
	}
	return packets
}
