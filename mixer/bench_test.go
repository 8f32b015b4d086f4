package mixer

import (
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"onair/codec/mp3enc"
	"onair/dsp/resample"
	"onair/internal/testenv"
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
			enc, _, err := mp3enc.New(mp3enc.Options{})
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

// BenchmarkChainSettings is BenchmarkChain from a 48 kHz MP3 (so that
// every block is resampled) at each LAME quality a small machine might
// use, with either resampler: what mp3_quality and resampler save. The
// rows "none" leave the encoder out, to show what the rest costs.
// cpu-s/h is CPU-seconds per hour of audio, from the benchmark thread's
// own CPU time (on Linux; the wall clock elsewhere), so that other work
// on the machine inflates it less than ns/op.
func BenchmarkChainSettings(b *testing.B) {
	path := chainFixture(b, 48000)
	for _, q := range []int{-1, 2, 5, 7, 9} {
		for _, rs := range []resample.Quality{resample.Best, resample.Fast} {
			name := fmt.Sprintf("q%d/%v", q, rs)
			if q < 0 {
				name = "none/" + rs.String()
			}
			b.Run(name, func(b *testing.B) {
				var enc Encoder = nopEncoder{}
				if q >= 0 {
					lame, _, err := mp3enc.New(mp3enc.Options{Kind: mp3enc.KindLAME, Quality: mp3enc.LAMEQuality(q)})
					if err != nil {
						b.Skip(err)
					}
					defer lame.Close()
					enc = lame
				}
				e := New(Config{SampleRate: 44100, Crossfade: 3 * time.Second}, &reopening{path: path, q: rs}, enc, &recordSink{})
				var frames int64
				// One thread does the whole chain, so its CPU time is
				// the chain's: no allocation leaves work to the collector.
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.ReportAllocs()
				b.ResetTimer()
				cpu0, ok := testenv.ThreadCPU()
				for range b.N {
					e.render(frames)
					e.encode()
					frames += BlockFrames
				}
				cpu1, _ := testenv.ThreadCPU()
				spent := b.Elapsed()
				if ok {
					spent = cpu1 - cpu0
				}
				audio := float64(frames) / 44100
				b.ReportMetric(audio/spent.Seconds(), "x-realtime")
				b.ReportMetric(3600*spent.Seconds()/audio, "cpu-s/h")
			})
		}
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

// reopening plays the same file over and over, resampled with q when its
// rate is not 44.1 kHz.
type reopening struct {
	path string
	q    resample.Quality
}

func (r *reopening) Next() *Track {
	t, err := OpenFile(r.path, 44100, r.q)
	if err != nil {
		panic(err)
	}
	return t
}

// BenchmarkChannels compares the whole chain (BenchmarkChain's, from a
// 44.1 kHz MP3) for the AutoDJ alone with every channel at work: the
// AutoDJ and a live show half way through a takeover, the mic under
// talk, both feeds drift-corrected, meters on. The feeds are filled with
// PCM here, by producers 100 ppm off our clock (the usual case: the
// feeds mostly copy) or 3000 ppm off (the feeds correct all the time, the
// worst case); decoding a live MP3 stream is the source's goroutine's work
// (BenchmarkMP3 in mixer/live) and replaces the AutoDJ's decoding once
// the show has the air.
func BenchmarkChannels(b *testing.B) {
	path := chainFixture(b, 44100)
	for _, v := range []struct {
		name string
		all  bool
		ppm  float64 // the producers' clocks against ours
	}{{"autodj", false, 0}, {"all", true, 100}, {"all-correcting", true, 3000}} {
		all := v.all
		b.Run(v.name, func(b *testing.B) {
			enc, _, err := mp3enc.New(mp3enc.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer enc.Close()
			cfg := Config{SampleRate: 44100, Crossfade: 3 * time.Second}
			var pm, pl *pcmLoop
			if all {
				talk := TalkSettings{MusicLevel: 0.9, BGLevel: 0.3, MicLevel: 0.9}
				cfg.Talk = &talk
				cfg.Mic = NewFeed(rate, 200*time.Millisecond, time.Second)
				cfg.Live = NewFeed(rate, 300*time.Millisecond, 2*time.Second)
				// Both producers off our clock: by 100 ppm, as real ones
				// are, or so far that the feeds correct all the time.
				pm = &pcmLoop{f: cfg.Mic, pcm: toneLoop(2000), rate: rate * (1 + v.ppm*1e-6), chunkLen: 441}
				pl = &pcmLoop{f: cfg.Live, pcm: toneLoop(3000), rate: rate * (1 - v.ppm*1e-6), chunkLen: 1152}
				cfg.Mic.Start()
				cfg.Live.Start()
			}
			e := New(cfg, &reopening{path: path}, enc, &recordSink{})
			var frames int64
			if all {
				// The feeds time their producers on the blocks made, as
				// the engine's clock would run.
				clock := func() time.Time { return clockStart.Add(time.Duration(frames) * time.Second / rate) }
				cfg.Mic.clock, cfg.Live.clock = clock, clock
				e.SetPTT(true)
				e.ch.xfade = 1 << 40 // the takeover never ends: both play
			}
			step := func() {
				if all {
					t := float64(frames)/rate + 0.35
					pm.runTo(t)
					pl.runTo(t)
				}
				e.render(frames)
				e.encode()
				frames += BlockFrames
			}
			for range 50 {
				step()
			}
			if all && (e.ch.livePos <= 0 || e.mic.gain <= 0) {
				b.Fatalf("not every channel at work: live %v mic %v", e.ch.livePos, e.mic.gain)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				step()
			}
			b.ReportMetric(float64(b.N)*BlockFrames/44100/b.Elapsed().Seconds(), "x-realtime")
		})
	}
}

// pcmLoop is a producer on its own clock that writes a precomputed
// second of audio over and over: its own cost stays out of the figures.
type pcmLoop struct {
	f        *Feed
	pcm      []float32
	rate     float64
	written  int64
	chunkLen int
}

func (p *pcmLoop) runTo(t float64) {
	want := int64(t * p.rate)
	frames := int64(len(p.pcm) / 2)
	for p.written+int64(p.chunkLen) <= want {
		at := p.written % frames
		n := min(int64(p.chunkLen), frames-at)
		got := p.f.Write(p.pcm[2*at : 2*(at+n)])
		p.written += int64(got)
		if int64(got) < n {
			return
		}
	}
}

// toneLoop is a second of a sine at freq (a whole number of cycles).
func toneLoop(freq float64) []float32 {
	pcm := make([]float32, 2*rate)
	for i := range rate {
		v := float32(0.5 * math.Sin(2*math.Pi*freq*float64(i)/rate))
		pcm[2*i], pcm[2*i+1] = v, v
	}
	return pcm
}
