package resample

import (
	"fmt"
	"testing"
)

// BenchmarkResample48to44 converts stereo 48 kHz audio to 44.1 kHz in the
// engine's blocks of 1152 frames. x-realtime is seconds of audio per second
// of CPU; 0 allocs/op is the goal.
func BenchmarkResample48to44(b *testing.B) {
	for _, q := range []Quality{Best, Fast} {
		b.Run(q.String(), func(b *testing.B) {
			benchResample(b, 48000, 44100, q)
		})
	}
}

// BenchmarkResample covers the other conversions a station meets.
func BenchmarkResample(b *testing.B) {
	for _, p := range []struct{ in, out int }{{44100, 48000}, {32000, 44100}, {22050, 44100}, {96000, 44100}, {44056, 48000}} {
		for _, q := range []Quality{Best, Fast} {
			b.Run(fmt.Sprintf("%d-%d/%v", p.in, p.out, q), func(b *testing.B) {
				benchResample(b, p.in, p.out, q)
			})
		}
	}
}

func benchResample(b *testing.B, in, out int, q Quality) {
	const block = 1152
	r := New(in, out, 2, q)
	src := noise(7, block, 2)
	dst := make([]float32, 0, 2*r.MaxOut(block))
	b.SetBytes(block * 2 * 4)
	b.ReportAllocs()
	for b.Loop() {
		dst = r.Process(dst[:0], src)
	}
	audio := float64(b.N) * block / float64(in)
	b.ReportMetric(audio/b.Elapsed().Seconds(), "x-realtime")
}

// BenchmarkNew measures building a Resampler, filter table included: the
// engine does it for every track not at the station's rate.
func BenchmarkNew(b *testing.B) {
	for _, p := range []struct{ in, out int }{{48000, 44100}, {32000, 44100}, {44056, 48000}} {
		b.Run(fmt.Sprintf("%d-%d", p.in, p.out), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				New(p.in, p.out, 2, Best)
			}
		})
	}
}
