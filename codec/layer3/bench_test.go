package layer3

import (
	"fmt"
	"testing"
)

// BenchmarkDecode decodes 10 s of stereo pink noise (each channel its
// own, as busy as music) frame by frame and reports the speed as a
// multiple of real time: how many such streams one core can decode.
func BenchmarkDecode(b *testing.B) {
	for _, bb := range []struct {
		name string
		rate int
		opts []string
	}{
		{"44k-128k-joint", 44100, []string{"-b:a", "128k"}},
		{"44k-320k-stereo", 44100, []string{"-b:a", "320k", "-joint_stereo", "0"}},
		{"22k-64k-joint", 22050, []string{"-b:a", "64k"}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			src := fmt.Sprintf("anoisesrc=c=pink:a=0.25:r=%d:d=10:seed=", bb.rate)
			src = src + "1[l];" + src + "2[r];[l][r]amerge=inputs=2"
			path := encode(b, b.TempDir(), "bench.mp3", src, append([]string{"-ac", "2"}, bb.opts...)...)
			frames := splitFrames(b, readFile(b, path))
			var d Decoder
			out := make([]float32, 2*1152)
			samples := 0
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				d.Reset()
				samples = 0
				for _, f := range frames {
					n, err := d.Decode(f, out)
					if err != nil {
						b.Fatal(err)
					}
					samples += n
				}
			}
			seconds := float64(samples) / float64(bb.rate)
			b.ReportMetric(float64(b.N)*seconds/b.Elapsed().Seconds(), "x-realtime")
			b.ReportMetric(b.Elapsed().Seconds()*1e9/float64(b.N*len(frames)), "ns/frame")
		})
	}
}
