package flac

import (
	"bytes"
	"testing"
	"time"
)

// fileFrames cuts a native FLAC file into its STREAMINFO and frames.
func fileFrames(t testing.TB, data []byte) (StreamInfo, [][]byte) {
	t.Helper()
	r := bytes.NewReader(data)
	m, err := ReadMetadata(r)
	if err != nil {
		t.Fatal(err)
	}
	at := len(data) - r.Len()
	d := NewDecoder(m.Info)
	var frames [][]byte
	for at < len(data) {
		f, err := d.Decode(data[at:])
		if err != nil {
			t.Fatalf("at %d: %v", at, err)
		}
		frames = append(frames, data[at:at+f.Len])
		at += f.Len
	}
	return m.Info, frames
}

// TestDecodeAllocs: once a Decoder has decoded a frame, the next ones
// allocate nothing, from level 0 to LPC order 32, 16 and 24 bits.
func TestDecodeAllocs(t *testing.T) {
	for _, c := range flacCases() {
		switch c.name {
		case "tone 16-bit mono 44.1kHz level 0", "noise 24-bit stereo 48kHz LPC order 32", "mid/side", "wasted bits":
		default:
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			data, _ := makeFLAC(t, c)
			si, frames := fileFrames(t, data)
			d := NewDecoder(si)
			next := 0
			a := testing.AllocsPerRun(len(frames)-1, func() {
				if _, err := d.Decode(frames[next%len(frames)]); err != nil {
					t.Fatal(err)
				}
				next++
			})
			if a != 0 {
				t.Errorf("%.2f allocations per frame, want 0", a)
			}
		})
	}
}

// benchFLAC decodes the frames of c's file once per iteration and
// reports the speed in multiples of real time on one core.
func benchFLAC(b *testing.B, c flacCase, seconds float64) {
	data, _ := makeFLAC(b, c)
	si, frames := fileFrames(b, data)
	d := NewDecoder(si)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		for _, f := range frames {
			if _, err := d.Decode(f); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(seconds*float64(b.N)/time.Since(start).Seconds(), "x_realtime")
}

// BenchmarkDecode16 decodes 10 s of 44.1 kHz stereo 16-bit music-like
// signal (tones and noise) at compression level 5, ffmpeg's default.
func BenchmarkDecode16(b *testing.B) {
	src := "aevalsrc=0.4*sin(2*PI*440*t)+0.2*random(0)-0.1|0.3*sin(2*PI*660*t)+0.3*random(1)-0.15:s=%d:d=10"
	benchFLAC(b, flacCase{"", src, 44100, 2, 16, []string{"-compression_level", "5"}}, 10)
}

// BenchmarkDecode24LPC32 decodes 10 s of 48 kHz stereo 24-bit noise
// coded with LPC order 32, the slowest case.
func BenchmarkDecode24LPC32(b *testing.B) {
	src := "aevalsrc=0.4*sin(2*PI*440*t)+0.2*random(0)-0.1|0.3*sin(2*PI*660*t)+0.3*random(1)-0.15:s=%d:d=10"
	benchFLAC(b, flacCase{"", src, 48000, 2, 24, []string{"-lpc_type", "cholesky", "-min_prediction_order", "32", "-max_prediction_order", "32", "-strict", "-2"}}, 10)
}
