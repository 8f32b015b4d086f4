package mp3enc

import (
	"fmt"
	"math"
	"testing"
)

// music returns frames frames of stereo at 44.1 kHz that keep an encoder
// busier than a lone tone: a chord that drifts apart between the channels,
// and noise at -30 dB.
func music(frames int) []float32 {
	pcm := make([]float32, 2*frames)
	x := uint32(1)
	for i := range frames {
		tm := float64(i) / 44100
		var l, r float64
		for k, f := range []float64{110, 220 * 1.26, 440 * 1.5, 1760, 5274} {
			a := 0.15 / float64(k+1)
			l += a * math.Sin(2*math.Pi*f*tm)
			r += a * math.Sin(2*math.Pi*f*1.003*tm+float64(k))
		}
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		noise := (float64(x)/math.MaxUint32 - 0.5) * 0.06
		pcm[2*i], pcm[2*i+1] = float32(l+noise), float32(r-noise)
	}
	return pcm
}

// benchmarkEncode encodes 128 kbps stereo at 44.1 kHz in blocks of 1024
// frames, the engine's block, and reports how many times faster than real
// time that is.
func benchmarkEncode(b *testing.B, o Options) {
	enc, _, err := New(o)
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	const block = 1024
	pcm := music(10 * 44100)
	dst := make([]byte, 0, 64<<10)
	i := 0
	b.ReportAllocs()
	b.SetBytes(block * 2 * 4)
	for b.Loop() {
		if dst, err = enc.Encode(dst[:0], pcm[i:i+2*block]); err != nil {
			b.Fatal(err)
		}
		if i += 2 * block; i+2*block > len(pcm) {
			i = 0
		}
	}
	audio := float64(b.N) * block / 44100
	b.ReportMetric(audio/b.Elapsed().Seconds(), "x-realtime")
}

func BenchmarkEncodeLAME(b *testing.B) {
	benchmarkEncode(b, needLAME(b, Options{}))
}

func BenchmarkEncodeShine(b *testing.B) {
	benchmarkEncode(b, Options{Kind: KindShine})
}

// BenchmarkEncodeLAMEQuality is LAME at each -q a station may be given
// (mp3_quality), to weigh what a lower setting saves.
func BenchmarkEncodeLAMEQuality(b *testing.B) {
	for _, q := range []int{0, 2, 5, 7, 9} {
		b.Run(fmt.Sprintf("q%d", q), func(b *testing.B) {
			benchmarkEncode(b, needLAME(b, Options{Quality: LAMEQuality(q)}))
		})
	}
}
