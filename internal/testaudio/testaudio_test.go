package testaudio

import (
	"math"
	"testing"
)

// TestLevelsReadASine: a sine reads at its amplitude, whole cycles or
// not (Hann), and a tone far away reads near nothing.
func TestLevelsReadASine(t *testing.T) {
	const rate = 8000
	x := Sine(800, rate, 500, 0.25) // 50 whole cycles
	if got := Level(x, rate, 500); math.Abs(got-0.25) > 1e-9 {
		t.Errorf("Level at 500 Hz: %v, want 0.25", got)
	}
	if got := Level(x, rate, 1500); got > 1e-9 {
		t.Errorf("Level at 1500 Hz: %v, want 0", got)
	}
	y := Sine(337, rate, 440, 0.5) // not whole cycles
	if got := HannLevel(y, rate, 440); math.Abs(DB(got/0.5)) > 0.5 {
		t.Errorf("HannLevel at 440 Hz: %v, want 0.5 ± 0.5 dB", got)
	}
	if got := HannLevel(y, rate, 3000); got > 0.005 {
		t.Errorf("HannLevel at 3 kHz: %v, want under 0.005", got)
	}
	if got := RMS(x); math.Abs(got-0.25/math.Sqrt2) > 1e-9 {
		t.Errorf("RMS %v, want %v", got, 0.25/math.Sqrt2)
	}
	if env := Envelope(x, rate, 500, 80); len(env) != 10 || math.Abs(Mean(env)-0.25) > 1e-6 {
		t.Errorf("envelope %v, want ten windows at 0.25", env)
	}
}

// TestToneCarriesOn: pieces of a Tone join into the same sine as one call.
func TestToneCarriesOn(t *testing.T) {
	tn := &Tone{Rate: 44100, Freq: 1000, Amp: 0.5}
	pieces := append(tn.Next(100), tn.Next(250)...)
	whole := Sine(350, 44100, 1000, 0.5)
	for i := range whole {
		if pieces[i] != whole[i] {
			t.Fatalf("sample %d: %v in pieces, %v whole", i, pieces[i], whole[i])
		}
	}
}

// TestS16RoundTrip: encoding to s16le and decoding again keeps every
// sample within a step, in every channel, and clips beyond full scale.
func TestS16RoundTrip(t *testing.T) {
	x := []float64{0, 0.5, -0.5, 1, -1, 2, -2}
	chans := DecodeS16LE(S16LE(x, 2), 2)
	for c, got := range chans {
		for i, v := range got {
			want := max(-1, min(1, x[i]))
			if math.Abs(v-want) > 1.0/32767 {
				t.Errorf("channel %d sample %d: %v, want %v", c, i, v, want)
			}
		}
	}
	if got := Channel(Interleave32(x, 2), 1, 2); got[1] != 0.5 || len(got) != len(x) {
		t.Errorf("channel 1 of the interleaved samples: %v", got)
	}
}
