package opus

import (
	"fmt"
	"math"
	"testing"
)

// benchMusic is seconds of stereo at 48 kHz that keeps an encoder busier
// than a lone tone, like codec/mp3enc's benchmark signal: a chord drifting
// apart between the channels, and noise at −30 dB.
func benchMusic(seconds int) []float32 {
	frames := seconds * SampleRate
	pcm := make([]float32, 2*frames)
	x := uint32(1)
	for i := range frames {
		tm := float64(i) / SampleRate
		var l, r float64
		for k, f := range []float64{110, 277.2, 660, 1760, 5274} {
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

// BenchmarkEncode encodes 96 kbps stereo, one 20 ms frame a call, at the
// default complexity and the best, and reports how many times faster than
// real time that is on one core.
func BenchmarkEncode(b *testing.B) {
	lib := needOpus(b)
	pcm := benchMusic(10)
	for _, complexity := range []int{DefaultComplexity, 10} {
		b.Run(fmt.Sprintf("96kbps/complexity=%d", complexity), func(b *testing.B) {
			enc, err := lib.NewEncoder(EncoderOptions{Bitrate: 96, Complexity: complexity})
			if err != nil {
				b.Fatal(err)
			}
			defer enc.Close()
			dst := make([]byte, 0, maxPacket)
			i := 0
			b.ReportAllocs()
			b.SetBytes(2 * FrameSize * 4)
			for b.Loop() {
				if dst, err = enc.Encode(dst[:0], pcm[i:i+2*FrameSize]); err != nil {
					b.Fatal(err)
				}
				if i += 2 * FrameSize; i+2*FrameSize > len(pcm) {
					i = 0
				}
			}
			b.ReportMetric(float64(b.N)*FrameSize/SampleRate/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}

// BenchmarkDecode decodes 96 kbps stereo packets to stereo at 48 kHz.
func BenchmarkDecode(b *testing.B) {
	lib := needOpus(b)
	enc, err := lib.NewEncoder(EncoderOptions{Bitrate: 96})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	packets := encodeAll(b, enc, benchMusic(10))
	dec, err := lib.NewDecoder(SampleRate, 2)
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(packets[i]); err != nil {
			b.Fatal(err)
		}
		i = (i + 1) % len(packets)
	}
	b.ReportMetric(float64(b.N)*FrameSize/SampleRate/b.Elapsed().Seconds(), "x-realtime")
}
