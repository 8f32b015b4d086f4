package decode

import (
	"path/filepath"
	"testing"
)

// benchSeconds is the length of the benchmark files: stereo pink noise,
// each channel its own, which keeps the codecs as busy as music does.
const benchSeconds = 10

// makeNoise encodes benchSeconds of stereo pink noise at 44.1 kHz.
func makeNoise(b *testing.B, name string, opts ...string) string {
	path := filepath.Join(b.TempDir(), name)
	noise := "anoisesrc=c=pink:a=0.25:r=44100:d=10:seed="
	args := []string{"-filter_complex", noise + "1[l];" + noise + "2[r];[l][r]amerge=inputs=2"}
	ffmpeg(b, append(append(args, opts...), path)...)
	return path
}

// benchDecode decodes path start to end b.N times and reports the speed
// as a multiple of real time: how many such streams one core can feed.
func benchDecode(b *testing.B, path string) {
	buf := make([]float32, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		frames := 0
		for {
			n, err := d.Read(buf)
			frames += n / 2
			if err != nil {
				break
			}
		}
		d.Close()
		if frames < benchSeconds*44100-2 {
			b.Fatalf("decoded %d frames", frames)
		}
	}
	b.ReportMetric(float64(b.N)*benchSeconds/b.Elapsed().Seconds(), "x-realtime")
}

// BenchmarkDecodeMP3 is the whole path: Open, frame splitting, layer3
// and the gapless trim. With go-mp3 v0.3.4 it ran at about 72× real time
// on the development machine (AMD EPYC, one core) with 52,844 allocations
// (21 MB) per 10 s file; with layer3, over 300× and the dozen
// allocations Open makes.
func BenchmarkDecodeMP3(b *testing.B) {
	benchDecode(b, makeNoise(b, "bench.mp3", cbr128...))
}

func BenchmarkDecodeVorbis(b *testing.B) {
	benchDecode(b, makeNoise(b, "bench.ogg", vorbisQ5...))
}
