package live

import (
	"slices"
	"testing"
	"time"
)

// benchDecode decodes data (seconds of audio) through a new Decoder per
// iteration, in 4 KiB writes as a source's reads give them, and reports
// the speed in multiples of real time.
func benchDecode(b *testing.B, data []byte, seconds float64) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		d := NewDecoder(Options{Rate: testRate}, &nullSink{})
		for p := data; len(p) > 0; {
			n := min(len(p), 4096)
			if _, err := d.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
	}
	b.ReportMetric(seconds*float64(b.N)/time.Since(start).Seconds(), "x_realtime")
}

// BenchmarkMP3 decodes a 44.1 kHz stereo 128 kbit/s stream.
func BenchmarkMP3(b *testing.B) {
	benchDecode(b, encode(b, sine3k(44100, 2, 10), mp3CBR128...), 10)
}

// BenchmarkMP3Resampled decodes a 48 kHz stereo stream to 44.1 kHz.
func BenchmarkMP3Resampled(b *testing.B) {
	benchDecode(b, encode(b, sine3k(48000, 2, 10), mp3CBR128...), 10)
}

// BenchmarkVorbis decodes a 44.1 kHz stereo q5 stream in 100 ms pages.
func BenchmarkVorbis(b *testing.B) {
	benchDecode(b, encode(b, sine3k(44100, 2, 10), append(slices.Clone(vorbisQ5), "-page_duration", "100000")...), 10)
}

// BenchmarkFLAC decodes a 44.1 kHz stereo Ogg FLAC stream (level 5).
func BenchmarkFLAC(b *testing.B) {
	benchDecode(b, encode(b, sine3k(44100, 2, 10), flacOgg...), 10)
}
