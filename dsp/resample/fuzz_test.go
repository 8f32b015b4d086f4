package resample

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// fuzzRates are the rates FuzzProcess picks from: the usual ones, the
// extremes, and odd ones that need many or interpolated phases.
var fuzzRates = []int{8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 7350, 44056, 47952, 192000, 1000, 768000}

// FuzzProcess resamples samples (int16, little-endian, in [-1, 1)) between
// two rates of fuzzRates in blocks whose sizes come from splits. It checks
// that every Process call stays within MaxOut, Flush within Latency, the
// total is ceil(N·out/in), the output is finite and within the filter's
// gain, and that the blocks change nothing against one call.
func FuzzProcess(f *testing.F) {
	f.Add(uint8(6), uint8(5), false, uint8(2), []byte{1, 7, 128}, []byte("\x00\x40\x00\xc0\xff\x7f\x00\x80"))
	f.Add(uint8(2), uint8(5), true, uint8(1), []byte{0}, []byte("\xff\x7f\xff\x7f\xff\x7f\x00\x80"))
	f.Add(uint8(5), uint8(10), false, uint8(3), []byte{255, 3}, make([]byte, 600))
	f.Add(uint8(11), uint8(12), true, uint8(2), []byte{9}, []byte("\x00\x80\xff\x7f"))
	f.Fuzz(func(t *testing.T, inIdx, outIdx uint8, fast bool, chans uint8, splits, samples []byte) {
		in, out := fuzzRates[int(inIdx)%len(fuzzRates)], fuzzRates[int(outIdx)%len(fuzzRates)]
		ch := int(chans)%3 + 1
		q := Best
		if fast {
			q = Fast
		}
		n := len(samples) / 2 / ch
		// Keep each run short: 1 kHz to 768 kHz makes 768 frames of one.
		n = min(n, 20000*in/out+1)
		src := make([]float32, n*ch)
		for i := range src {
			src[i] = float32(int16(binary.LittleEndian.Uint16(samples[2*i:]))) / 32768
		}

		r := New(in, out, ch, q)
		var got []float32
		rest := src
		for i := 0; len(rest) > 0; i++ {
			k := 1
			if len(splits) > 0 {
				k = int(splits[i%len(splits)])
			}
			if k == 0 {
				// An empty block, then one frame, so that the loop ends.
				if before := len(got); len(r.Process(got, rest[:0])) != before {
					t.Fatalf("%d→%d: an empty block gave output", in, out)
				}
				k = 1
			}
			k = min(k, len(rest)/ch)
			before := len(got)
			got = r.Process(got, rest[:k*ch])
			if m := (len(got) - before) / ch; m > r.MaxOut(k) {
				t.Fatalf("%d→%d: Process of %d frames gave %d, MaxOut %d", in, out, k, m, r.MaxOut(k))
			}
			rest = rest[k*ch:]
		}
		before := len(got)
		got = r.Flush(got)
		if m := (len(got) - before) / ch; m > r.Latency() {
			t.Fatalf("%d→%d: Flush gave %d frames, Latency %d", in, out, m, r.Latency())
		}
		if want := (int64(n)*int64(out) + int64(in) - 1) / int64(in); int64(len(got)) != want*int64(ch) {
			t.Fatalf("%d→%d: %d frames in, %d out; want %d", in, out, n, len(got)/ch, want)
		}
		gain := 1.0
		if in != out {
			gain = maxGain(r.t)
		}
		for i, v := range got {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || math.Abs(float64(v)) > gain*(1+1e-5) {
				t.Fatalf("%d→%d: sample %d is %v; the filter's gain is %.3f", in, out, i, v, gain)
			}
		}
		if !slices.Equal(got, run(New(in, out, ch, q), src, 0)) {
			t.Fatalf("%d→%d: blocks changed the output", in, out)
		}
	})
}

// maxGain returns the largest sum of absolute coefficients of a row: no
// input in [-1, 1] can come out larger.
func maxGain(t table) float64 {
	var g float64
	for row := range slices.Chunk(t.coef, t.taps) {
		var s float64
		for _, c := range row {
			s += math.Abs(float64(c))
		}
		g = max(g, s)
	}
	return g
}
