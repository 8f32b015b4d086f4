package capture

import (
	"math"
	"testing"

	"onair/dsp/resample"
	"onair/internal/testaudio"
)

// decodeAll feeds data to a new decoder in pieces cycling through sizes
// and returns all it put out, tail included.
func decodeAll(data []byte, inRate, outRate, ch int, sizes ...int) []float32 {
	d := newS16Decoder(inRate, outRate, ch, resample.Best)
	var out []float32
	for i := 0; len(data) > 0; i++ {
		buf := d.buffer()
		n := copy(buf, data[:min(sizes[i%len(sizes)], len(data), len(buf))])
		data = data[n:]
		out = append(out, d.decode(n)...)
	}
	return append(out, d.endStream()...)
}

// TestDecoderCarriesPartialFrames: splitting the bytes anywhere, mid
// sample or mid frame, changes nothing in the output.
func TestDecoderCarriesPartialFrames(t *testing.T) {
	for _, tc := range []struct {
		name            string
		inRate, outRate int
		ch              int
	}{
		{"stereo same rate", 44100, 44100, 2},
		{"mono same rate", 44100, 44100, 1},
		{"stereo 48k", 48000, 44100, 2},
		{"mono 22050", 22050, 44100, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := testaudio.S16LE(testaudio.Sine(5000*tc.ch, float64(tc.inRate), 700, 0.6), 1)
			whole := decodeAll(data, tc.inRate, tc.outRate, tc.ch, len(data))
			wantFrames := int(math.Ceil(5000 * float64(tc.outRate) / float64(tc.inRate)))
			if len(whole) != 2*wantFrames {
				t.Fatalf("%d frames, want %d", len(whole)/2, wantFrames)
			}
			for _, sizes := range [][]int{{1}, {3}, {7}, {1, 3, 7}, {4095, 2}} {
				got := decodeAll(data, tc.inRate, tc.outRate, tc.ch, sizes...)
				if len(got) != len(whole) {
					t.Fatalf("pieces %v: %d frames, want %d", sizes, len(got)/2, len(whole)/2)
				}
				for i := range got {
					if got[i] != whole[i] {
						t.Fatalf("pieces %v: sample %d is %v, want %v", sizes, i, got[i], whole[i])
					}
				}
			}
		})
	}
}

// TestDecoderMonoIsDuplicated: mono arrives in both channels, s16/32768.
func TestDecoderMonoIsDuplicated(t *testing.T) {
	d := newS16Decoder(44100, 44100, 1, resample.Best)
	n := copy(d.buffer(), []byte{0x00, 0x80, 0xff, 0x7f, 0x01, 0x00, 0xff}) // -32768, 32767, 1, half
	got := d.decode(n)
	want := []float32{-1, -1, 32767.0 / 32768, 32767.0 / 32768, 1.0 / 32768, 1.0 / 32768}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	// The odd byte waits for its other half.
	d.buffer()[0] = 0x7f
	if got := d.decode(1); len(got) != 2 || got[0] != float32(0x7fff)/32768 {
		t.Errorf("carried sample: %v", got)
	}
}

// TestDecoderDoesNotAllocate: a read's worth of bytes costs no allocation,
// resampled or not, with a partial frame carried.
func TestDecoderDoesNotAllocate(t *testing.T) {
	for _, rates := range [][2]int{{44100, 44100}, {48000, 44100}, {22050, 44100}} {
		for ch := 1; ch <= 2; ch++ {
			d := newS16Decoder(rates[0], rates[1], ch, resample.Best)
			n := len(d.buffer()) - 3
			allocs := testing.AllocsPerRun(20, func() {
				d.decode(min(n, len(d.buffer())))
			})
			if allocs != 0 {
				t.Errorf("%v Hz, %d channels: %v allocations per read", rates, ch, allocs)
			}
		}
	}
}

// TestConverterFilter: input at another rate goes through the filter the
// station's resampler setting names (Fast's holds back half as much).
func TestConverterFilter(t *testing.T) {
	for _, q := range []resample.Quality{resample.Best, resample.Fast} {
		c := newToStation(48000, 44100, 1, q)
		want := resample.New(48000, 44100, 1, q).Latency()
		if c.rs == nil {
			t.Fatalf("%v: no resampler from 48 kHz to 44.1 kHz", q)
		}
		if got := c.rs.Latency(); got != want {
			t.Errorf("%v: converter latency %d, want %d", q, got, want)
		}
	}
}
