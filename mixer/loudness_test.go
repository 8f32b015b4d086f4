package mixer

import (
	"context"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"onair/internal/testenv"
)

func TestLoudnessGain(t *testing.T) {
	for _, tt := range []struct {
		name         string
		target, lufs float64
		wantDB       float64
	}{
		{"quiet track raised", -16, -26, 10},
		{"loud track lowered", -16, -8, -8},
		{"at target", -16, -16, 0},
		{"raise clamped at +12 dB", -16, -40, MaxLoudnessGain},
		{"silence clamped at +12 dB", -16, math.Inf(-1), MaxLoudnessGain},
		{"cut clamped at -40 dB", -40, 10, MinLoudnessGain},
		{"no measurement plays as is", -16, math.NaN(), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := LoudnessGain(tt.target, tt.lufs)
			if got := 20 * math.Log10(float64(g)); math.Abs(got-tt.wantDB) > 1e-4 {
				t.Errorf("LoudnessGain(%v, %v) = %.4f dB, want %v dB", tt.target, tt.lufs, got, tt.wantDB)
			}
		})
	}
}

// TestDeckAppliesGain plays a track through a deck with a gain: the
// samples come out scaled, and a track without a gain comes out as is.
func TestDeckAppliesGain(t *testing.T) {
	for _, gain := range []float32{0, 1, 0.25, 3.98} {
		tr := &toneTrack{freq: 1000, amp: 0.2, frames: 3 * readChunk}
		ref := &toneTrack{freq: 1000, amp: 0.2, frames: 3 * readChunk}
		d := newDeck(&Track{Audio: tr, Gain: gain}, 0)
		want := make([]float32, 2*3*readChunk)
		n, _ := ref.Read(want)
		got := make([]float32, len(want))
		frames := 0
		for b := 0; b < len(got); b += 2 * BlockFrames {
			frames += d.take(got[b:min(b+2*BlockFrames, len(got))])
		}
		if 2*frames != n {
			t.Fatalf("gain %v: %d frames, want %d", gain, frames, n/2)
		}
		g := gain
		if g == 0 {
			g = 1
		}
		for i := range got {
			if math.Abs(float64(got[i]-g*want[i])) > 1e-6 {
				t.Fatalf("gain %v: sample %d is %v, want %v", gain, i, got[i], g*want[i])
			}
		}
	}
}

// TestMeasureFile measures tones FFmpeg wrote at known loudness: a 1 kHz
// stereo sine at -23 dBFS reads -23 LUFS (EBU Tech 3341 case 1) through
// the MP3 encoder within its 0.3 LU, and a sine of peak 0.5 reads -6 LUFS and -6 dBTP through Vorbis.
func TestMeasureFile(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	dir := t.TempDir()
	for _, tt := range []struct {
		file, codec           string
		amp, wantLUFS, wantTP float64
	}{
		{"a.mp3", "libmp3lame", math.Pow(10, -23.0/20), -23, -23},
		{"b.ogg", "libvorbis", 0.5, -6.02, -6.02},
	} {
		path := filepath.Join(dir, tt.file)
		expr := "%g*sin(2*PI*1000*t)"
		src := "aevalsrc=" + fmt.Sprintf(expr, tt.amp) + "|" + fmt.Sprintf(expr, tt.amp) + ":s=44100:d=6"
		if out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", src,
			"-c:a", tt.codec, "-b:a", "192k", path).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v %s", err, out)
		}
		lufs, tp, err := MeasureFile(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(lufs-tt.wantLUFS) > 0.3 {
			t.Errorf("%s: %.2f LUFS, want %.1f", tt.file, lufs, tt.wantLUFS)
		}
		if math.Abs(tp-tt.wantTP) > 0.5 {
			t.Errorf("%s: true peak %.2f dBTP, want %.1f", tt.file, tp, tt.wantTP)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := MeasureFile(ctx, filepath.Join(dir, "a.mp3")); err == nil {
		t.Error("a measurement with its context ended succeeds")
	}
}

// BenchmarkMeasureFile decodes and measures a 60 s MP3 of noise and a
// tone (192 kbps, 44.1 kHz stereo), the library's work for one track,
// and reports the speed as a multiple of real time on one core.
//
//	go test ./mixer/ -run '^$' -bench MeasureFile -benchtime 10x
func BenchmarkMeasureFile(b *testing.B) {
	path := chainFixture(b, 44100)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, _, err := MeasureFile(context.Background(), path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*60/b.Elapsed().Seconds(), "x-realtime")
}
