// Package testaudio holds the audio measurements and test signals that
// OnAir's tests share: tone levels by Goertzel, envelopes, RMS, and sines
// as float or s16le PCM. It is for tests only.
package testaudio

import (
	"encoding/binary"
	"math"
)

// Level is the amplitude of the freq Hz component of x, sampled at rate
// Hz: a sine's peak amplitude when x holds a whole number of its cycles.
// Goertzel's recurrence gives the DFT's magnitude at any frequency, not
// only at a bin's.
func Level(x []float64, rate, freq float64) float64 {
	return goertzel(x, rate, freq, false)
}

// HannLevel is Level through a Hann window, whose side lobes fall fast:
// a loud tone far away does not leak into a short window's reading, and
// a tone that is not a whole number of cycles reads near its amplitude.
func HannLevel(x []float64, rate, freq float64) float64 {
	return goertzel(x, rate, freq, true)
}

func goertzel(x []float64, rate, freq float64, hann bool) float64 {
	if len(x) == 0 {
		return 0
	}
	c := 2 * math.Cos(2*math.Pi*freq/rate)
	n := float64(len(x))
	var s1, s2, sum float64
	for i, v := range x {
		w := 1.0
		if hann {
			// Sampled at the centres of n equal slices, so the window
			// is symmetric about the middle of x.
			w = 0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/n)
		}
		sum += w
		s1, s2 = v*w+c*s1-s2, s1
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	return 2 * math.Sqrt(max(p, 0)) / sum
}

// Envelope is freq's HannLevel in consecutive windows of win samples of
// x; a partial window at the end is left out.
func Envelope(x []float64, rate, freq float64, win int) []float64 {
	env := make([]float64, len(x)/win)
	for i := range env {
		env[i] = HannLevel(x[i*win:(i+1)*win], rate, freq)
	}
	return env
}

// Mean is the mean of x, 0 when x is empty.
func Mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(max(len(x), 1))
}

// RMS is the root mean square of x, 0 when x is empty.
func RMS(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s / float64(max(len(x), 1)))
}

// DB is an amplitude ratio in decibels.
func DB(ratio float64) float64 { return 20 * math.Log10(ratio) }

// Channel returns channel c of interleaved PCM with n channels, as
// float64.
func Channel[S float32 | float64](pcm []S, c, n int) []float64 {
	x := make([]float64, len(pcm)/n)
	for i := range x {
		x[i] = float64(pcm[i*n+c])
	}
	return x
}

// Floats converts samples to float64.
func Floats[S float32 | float64](pcm []S) []float64 { return Channel(pcm, 0, 1) }

// DecodeS16LE returns each channel of interleaved s16le PCM, scaled to
// [-1, 1).
func DecodeS16LE(raw []byte, channels int) [][]float64 {
	n := len(raw) / 2 / channels
	out := make([][]float64, channels)
	for c := range out {
		out[c] = make([]float64, n)
		for i := range n {
			out[c][i] = float64(int16(binary.LittleEndian.Uint16(raw[2*(i*channels+c):]))) / 32768
		}
	}
	return out
}

// Tone makes a sine in pieces, each carrying on where the last ended, as
// a source feeding audio at real time would.
type Tone struct {
	Rate, Freq, Amp float64
	n               int // samples made so far
}

// Next returns the next n samples.
func (t *Tone) Next(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = t.Amp * math.Sin(2*math.Pi*t.Freq*float64(t.n+i)/t.Rate)
	}
	t.n += n
	return x
}

// Sine is n samples of a sine of freq Hz at rate Hz and peak amp,
// starting at phase 0.
func Sine(n int, rate, freq, amp float64) []float64 {
	return (&Tone{Rate: rate, Freq: freq, Amp: amp}).Next(n)
}

// Interleave32 repeats each sample of x in every one of channels, as
// interleaved float32 PCM.
func Interleave32(x []float64, channels int) []float32 {
	out := make([]float32, len(x)*channels)
	for i, v := range x {
		for c := range channels {
			out[i*channels+c] = float32(v)
		}
	}
	return out
}

// S16LE encodes x, in [-1, 1], as interleaved s16le PCM rounded to the
// nearest step, the same in every one of channels.
func S16LE(x []float64, channels int) []byte {
	b := make([]byte, 0, 2*len(x)*channels)
	for _, v := range x {
		s := uint16(int16(math.Round(max(-1, min(1, v)) * 32767)))
		for range channels {
			b = binary.LittleEndian.AppendUint16(b, s)
		}
	}
	return b
}
