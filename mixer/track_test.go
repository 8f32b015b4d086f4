package mixer

import (
	"errors"
	"io"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"onair/dsp/resample"
	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// TestOpenFileResampler opens a 48 kHz MP3 of a 1 kHz tone for a 44.1 kHz
// station with each resampler: the track must use the filter asked for
// (Fast's is half as long, so it holds back half as much) and still play
// the tone at 1 kHz, at the level the encoder left it.
func TestOpenFileResampler(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	path := filepath.Join(t.TempDir(), "tone48k.mp3")
	out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi",
		"-i", "aevalsrc=0.5*sin(2*PI*1000*t)|0.5*sin(2*PI*1000*t):s=48000:d=3",
		"-c:a", "libmp3lame", "-b:a", "320k", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	for _, q := range []resample.Quality{resample.Best, resample.Fast} {
		t.Run(q.String(), func(t *testing.T) {
			tr, err := OpenFile(path, 44100, q)
			if err != nil {
				t.Fatal(err)
			}
			fa := tr.Audio.(*fileAudio)
			if fa.rs == nil {
				t.Fatal("a 48 kHz track at a 44.1 kHz station is not resampled")
			}
			if got, want := fa.rs.Latency(), resample.New(48000, 44100, 2, q).Latency(); got != want {
				t.Fatalf("the track's resampler is not the %v one (latency %d, want %d)", q, got, want)
			}
			var pcm []float32
			buf := make([]float32, 2*BlockFrames)
			for range 1000 {
				n, err := tr.Audio.Read(buf)
				pcm = append(pcm, buf[:n]...)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			_ = tr.Audio.Close()
			if len(pcm) < 2*2*44100 {
				t.Fatalf("%d frames, want about 3 s at 44.1 kHz", len(pcm)/2)
			}
			y := testaudio.Channel(pcm, 0, 2)[22050 : 22050+44100]
			// Where the spectrum peaks: in 1 Hz steps, then 0.05 Hz steps.
			peak, best := 0.0, 0.0
			search := func(from, to, step float64) {
				for f := from; f <= to+step/2; f += step {
					if a := testaudio.HannLevel(y, 44100, f); a > best {
						peak, best = f, a
					}
				}
			}
			search(950, 1050, 1)
			search(peak-1, peak+1, 0.05)
			rms := testaudio.DB(testaudio.RMS(y) * math.Sqrt2 / 0.5)
			t.Logf("peak %.2f Hz, level %+.2f dB", peak, rms)
			if math.Abs(peak-1000) > 0.15 {
				t.Errorf("peak at %.2f Hz, want 1000", peak)
			}
			// An MP3 encoder takes up to 0.5 dB off a pure tone.
			if math.Abs(rms) > 0.75 {
				t.Errorf("level %+.2f dB, want within 0.75 dB of -6 dBFS", rms)
			}
		})
	}
}
