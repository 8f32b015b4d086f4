package mixer

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"onair/internal/testenv"
	"onair/mixer/encoder"
)

// chainFixture writes a 60 s file of noise and tones at rate with ffmpeg.
func chainFixture(b testing.TB, rate int) string {
	ffmpeg := testenv.RequireTool(b, "ffmpeg", "ffmpeg")
	p := filepath.Join(b.TempDir(), fmt.Sprintf("chain%d.mp3", rate))
	out, err := exec.Command(ffmpeg, "-v", "error",
		"-f", "lavfi", "-i", fmt.Sprintf("anoisesrc=color=pink:amplitude=0.2:duration=60:sample_rate=%d", rate),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:duration=60:sample_rate=%d", rate),
		"-filter_complex", "[0][1]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo",
		"-c:a", "libmp3lame", "-b:a", "192k", p).CombinedOutput()
	if err != nil {
		b.Fatalf("ffmpeg: %v %s", err, out)
	}
	return p
}

// BenchmarkChain is the whole station chain per 1152-frame block: decode
// MP3, resample 48 kHz to 44.1 kHz (or not), crossfade, limit, encode
// 128 kbps with the encoder auto picks. x-realtime is audio produced per
// second of one core.
func BenchmarkChain(b *testing.B) {
	for _, rate := range []int{44100, 48000} {
		b.Run(fmt.Sprintf("from%d", rate), func(b *testing.B) {
			path := chainFixture(b, rate)
			enc, _, err := encoder.New(encoder.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer enc.Close()
			src := &reopening{path: path}
			e := New(Config{SampleRate: 44100, Crossfade: 3 * time.Second}, src, enc, &recordSink{})
			var frames int64
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				e.render(frames)
				e.encode()
				frames += BlockFrames
			}
			b.ReportMetric(float64(frames)/44100/b.Elapsed().Seconds(), "x-realtime")
			b.Logf("encoder %s", enc.Name())
		})
	}
}

// BenchmarkMixLimit is the engine's own share: crossfading and limiting
// synthetic tracks (their sine generator included). With amp 0.9 every
// crossfade goes over the ceiling and the limiter works all through it.
func BenchmarkMixLimit(b *testing.B) {
	for _, amp := range []float64{0.5, 0.9} {
		b.Run(fmt.Sprintf("amp%.1f", amp), func(b *testing.B) { benchMixLimit(b, amp) })
	}
}

func benchMixLimit(b *testing.B, amp float64) {
	src := &trackList{}
	for range 1000 {
		src.tracks = append(src.tracks, &Track{Audio: &toneTrack{freq: 440, amp: amp, frames: 10 * rate}})
	}
	e := New(Config{SampleRate: rate, Crossfade: 3 * time.Second}, src, nopEncoder{}, &recordSink{})
	var frames int64
	b.ReportAllocs()
	for range b.N {
		e.render(frames)
		frames += BlockFrames
	}
	b.ReportMetric(float64(frames)/rate/b.Elapsed().Seconds(), "x-realtime")
}

// reopening plays the same file over and over.
type reopening struct{ path string }

func (r *reopening) Next() *Track {
	t, err := OpenFile(r.path, 44100)
	if err != nil {
		panic(err)
	}
	return t
}
