package resample

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// pairs are the rate conversions the tests run: the station's usual ones,
// both directions, integer ratios, far ratios, one with 1332 phases, and
// two whose reduced ratio needs an interpolated table.
var pairs = []struct{ in, out int }{
	{48000, 44100}, {44100, 48000}, {32000, 44100}, {22050, 44100},
	{44100, 22050}, {8000, 44100}, {96000, 44100}, {44100, 96000},
	{11025, 48000}, {96000, 8000}, {44100, 47952}, {44056, 48000}, {48000, 44056},
}

func TestTables(t *testing.T) {
	tests := []struct {
		in, out    int
		q          Quality
		taps, rows int
		interp     bool
	}{
		{48000, 44100, Best, 72, 147, false},
		{44100, 48000, Best, 64, 160, false},
		{32000, 44100, Best, 64, 441, false},
		{22050, 44100, Best, 64, 2, false},
		{48000, 44100, Fast, 36, 147, false},
		{44100, 48000, Fast, 32, 160, false},
		{96000, 8000, Best, 768, 1, false},
		{44056, 48000, Best, 64, 512, true},
		{44100, 47952, Best, 64, 1332, false}, // 1332·64 coefficients still fit
		{48000, 44056, Best, 72, 470, true},   // 5507/6000: fewer phases for a slower kernel
		{192000, 44100, Best, 280, 147, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%d-%v", tt.in, tt.out, tt.q), func(t *testing.T) {
			r := New(tt.in, tt.out, 2, tt.q)
			if r.t.taps != tt.taps || r.t.rows != tt.rows || r.t.interp != tt.interp {
				t.Errorf("taps %d rows %d interp %v; want %d %d %v", r.t.taps, r.t.rows, r.t.interp, tt.taps, tt.rows, tt.interp)
			}
			if n := len(r.t.coef) * 4; n > 1<<20 {
				t.Errorf("table of %d bytes", n)
			}
		})
	}
}

// TestFrameCount checks that N input frames give ceil(N·out/in) output
// frames after Flush, that every Process call yields MaxOut or one frame
// fewer once the filter is full, and that Flush yields at most Latency.
func TestFrameCount(t *testing.T) {
	for _, p := range pairs {
		for _, n := range []int{0, 1, 2, 31, 100, 1152, 5000, 44100} {
			t.Run(fmt.Sprintf("%d-%d/n=%d", p.in, p.out, n), func(t *testing.T) {
				r := New(p.in, p.out, 2, Best)
				src := noise(1, n, 2)
				var out []float32
				fed := 0
				for blk := 0; len(src) > 0; blk++ {
					k := min(len(src)/2, []int{1, 7, 1152, 333}[blk%4])
					before := len(out)
					out = r.Process(out, src[:2*k])
					got := (len(out) - before) / 2
					if got > r.MaxOut(k) || fed >= r.half && got < r.MaxOut(k)-1 {
						t.Fatalf("Process of %d frames gave %d, MaxOut %d", k, got, r.MaxOut(k))
					}
					src = src[2*k:]
					fed += k
				}
				before := len(out)
				out = r.Flush(out)
				if got := (len(out) - before) / 2; got > r.Latency() {
					t.Errorf("Flush gave %d frames, Latency %d", got, r.Latency())
				}
				want := (n*p.out + p.in - 1) / p.in
				if len(out) != 2*want {
					t.Errorf("%d frames out; want %d", len(out)/2, want)
				}
			})
		}
	}
}

// TestBlockIndependence resamples the same noise in blocks of 1, 7 and 1152
// frames and all at once: every output sample must be identical.
func TestBlockIndependence(t *testing.T) {
	for _, p := range pairs {
		for _, ch := range []int{1, 2, 3} {
			for _, q := range []Quality{Best, Fast} {
				t.Run(fmt.Sprintf("%d-%d/ch=%d/%v", p.in, p.out, ch, q), func(t *testing.T) {
					src := noise(2, 3000, ch)
					want := run(New(p.in, p.out, ch, q), src, 0)
					for _, block := range []int{1, 7, 1152} {
						got := run(New(p.in, p.out, ch, q), src, block)
						if !slices.Equal(got, want) {
							t.Errorf("blocks of %d differ from one call", block)
						}
					}
				})
			}
		}
	}
}

// TestFlushPadsSilence checks that Flush gives what following the input
// with silence would. The buffer beyond the input is poisoned with NaN
// first, so that reading one frame too far shows.
func TestFlushPadsSilence(t *testing.T) {
	for _, p := range pairs {
		for _, n := range []int{1, 1000, 5000} {
			t.Run(fmt.Sprintf("%d-%d/n=%d", p.in, p.out, n), func(t *testing.T) {
				src := noise(8, n, 2)
				r := New(p.in, p.out, 2, Best)
				got := r.Process(nil, src)
				for i := 2 * r.frames; i < len(r.buf); i++ {
					r.buf[i] = float32(math.NaN())
				}
				got = r.Flush(got)
				r = New(p.in, p.out, 2, Best)
				padded := append(slices.Clone(src), make([]float32, 2*r.t.taps)...)
				want := r.Process(nil, padded)[:len(got)]
				if !slices.Equal(got, want) {
					t.Error("the flushed tail differs from the output for silence")
				}
			})
		}
	}
}

func TestPassThrough(t *testing.T) {
	r := New(44100, 44100, 2, Best)
	src := noise(3, 1000, 2)
	out := r.Process(nil, src)
	out = r.Flush(out)
	if !slices.Equal(out, src) {
		t.Error("equal rates changed the audio")
	}
	if r.Latency() != 0 || r.MaxOut(1152) != 1152 {
		t.Errorf("Latency %d, MaxOut(1152) %d", r.Latency(), r.MaxOut(1152))
	}
}

// TestDC checks that a constant comes out unchanged once the filter is full:
// every phase of the table sums to 1.
func TestDC(t *testing.T) {
	for _, p := range pairs {
		t.Run(fmt.Sprintf("%d-%d", p.in, p.out), func(t *testing.T) {
			r := New(p.in, p.out, 1, Best)
			src := make([]float32, p.in/2)
			for i := range src {
				src[i] = 0.5
			}
			out := run(r, src, 0)
			skip := 2 * r.Latency()
			for i, v := range out[skip : len(out)-skip] {
				if d := v - 0.5; d > 1e-6 || d < -1e-6 {
					t.Fatalf("frame %d: %v", skip+i, v)
				}
			}
		})
	}
}

// TestResetAndFlush checks that Reset, and Flush, leave the Resampler as if
// new.
func TestResetAndFlush(t *testing.T) {
	a, b := noise(4, 3000, 2), noise(5, 3000, 2)
	want := run(New(48000, 44100, 2, Best), b, 0)

	r := New(48000, 44100, 2, Best)
	r.Process(nil, a)
	r.Reset()
	if got := run(r, b, 0); !slices.Equal(got, want) {
		t.Error("after Reset: output differs from a new Resampler's")
	}
	r.Process(nil, a)
	r.Flush(nil)
	if got := run(r, b, 0); !slices.Equal(got, want) {
		t.Error("after Flush: output differs from a new Resampler's")
	}
}

func TestAllocs(t *testing.T) {
	for _, p := range pairs {
		for _, q := range []Quality{Best, Fast} {
			t.Run(fmt.Sprintf("%d-%d/%v", p.in, p.out, q), func(t *testing.T) {
				r := New(p.in, p.out, 2, q)
				src := noise(6, 1152, 2)
				dst := make([]float32, 0, 2*(r.MaxOut(1152)+r.Latency()))
				if n := testing.AllocsPerRun(10, func() { r.Process(dst[:0], src) }); n != 0 {
					t.Errorf("Process: %v allocations", n)
				}
				if n := testing.AllocsPerRun(10, func() { r.Flush(r.Process(dst[:0], src)) }); n != 0 {
					t.Errorf("Process and Flush: %v allocations", n)
				}
			})
		}
	}
}

func TestPanics(t *testing.T) {
	tests := []struct {
		name string
		f    func()
	}{
		{"rate too low", func() { New(999, 44100, 2, Best) }},
		{"rate too high", func() { New(44100, 768001, 2, Best) }},
		{"no channels", func() { New(48000, 44100, 0, Best) }},
		{"bad quality", func() { New(48000, 44100, 2, Quality(7)) }},
		{"partial frame", func() { New(48000, 44100, 2, Best).Process(nil, make([]float32, 3)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.f()
		})
	}
}

func TestQualityText(t *testing.T) {
	for _, q := range []Quality{Best, Fast} {
		b, err := q.MarshalText()
		var got Quality = 99
		if err != nil || got.UnmarshalText(b) != nil || got != q {
			t.Errorf("%v: round trip gave %v (%v)", q, got, err)
		}
	}
	var q Quality
	if err := q.UnmarshalText([]byte("FAST")); err != nil || q != Fast {
		t.Errorf("FAST: %v, %v", q, err)
	}
	if err := q.UnmarshalText([]byte("good")); err != ErrUnknownQuality {
		t.Errorf("good: %v", err)
	}
	if _, err := Quality(2).MarshalText(); err != ErrUnknownQuality {
		t.Errorf("Quality(2): %v", err)
	}
	if s := Quality(2).String(); s != "Quality(2)" {
		t.Errorf("String: %q", s)
	}
}
