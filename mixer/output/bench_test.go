package output

import (
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"

	"onair/codec/mp3enc"
	"onair/codec/opus"
	"onair/internal/testenv"
	"onair/mixer"
)

// nopSink takes frames and titles and keeps nothing.
type nopSink struct{}

func (nopSink) WriteFrame([]byte, time.Time)       {}
func (nopSink) SetTitle(string, string, time.Time) {}
func (nopSink) Flush(time.Time)                    {}

// blocksPerHour is how many engine blocks an hour of 44.1 kHz audio is.
const blocksPerHour = 3600.0 * stationRate / mixer.BlockFrames

// toneBlock is a block of a loud two-tone mix, not silence, so that the
// encoder has work to do.
func toneBlock() []float32 {
	pcm := make([]float32, 2*mixer.BlockFrames)
	for i := range mixer.BlockFrames {
		t := float64(i) / stationRate
		pcm[2*i] = float32(0.4*math.Sin(2*math.Pi*440*t) + 0.3*math.Sin(2*math.Pi*3100*t))
		pcm[2*i+1] = float32(0.4*math.Sin(2*math.Pi*660*t) + 0.3*math.Sin(2*math.Pi*5300*t))
	}
	return pcm
}

// perBlock runs step b.N times on one locked OS thread and reports the
// thread's CPU time per block and per hour of audio: on a machine shared
// with other work it is steadier than the wall clock (which it falls
// back to where a thread's time cannot be read).
func perBlock(b *testing.B, step func(i int)) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, ok := testenv.ThreadCPU()
	for i := range b.N {
		step(i)
	}
	cpu1, _ := testenv.ThreadCPU()
	spent := b.Elapsed()
	if ok {
		spent = cpu1 - cpu0
	}
	b.ReportMetric(float64(spent.Nanoseconds())/float64(b.N), "cpu-ns/block")
	b.ReportMetric(spent.Seconds()/float64(b.N)*blocksPerHour, "cpu-s/h")
}

// BenchmarkOutput is the cost of one output per block of the mix: what
// the audio loop pays (tap: the copy into the ring) and what the
// output's own goroutine pays (the rest: resampling where the rate
// differs, encoding, cutting frames, the sink), for the outputs a
// station is likely to have. main is the station's own encoder at its
// default (LAME 128 kbps, q5), for comparison. cpu-s/h is CPU-seconds per
// hour of audio on one core.
func BenchmarkOutput(b *testing.B) {
	block := toneBlock()
	b.Run("tap", func(b *testing.B) {
		o := New(Config{StationRate: stationRate, Encoder: &frameEncoder{rate: stationRate}, Sink: nopSink{}})
		perBlock(b, func(int) {
			o.Block(block)
			o.tail.Store(o.head.Load()) // taken at once, as a healthy output does
		})
	})
	b.Run("resample48000", func(b *testing.B) {
		// An encoder that does nothing: the cost of bringing the block to
		// 48 kHz and of the output's own bookkeeping.
		o := New(Config{StationRate: stationRate, Encoder: &frameEncoder{rate: 48000}, Sink: nopSink{}})
		s := &slot{pcm: block}
		perBlock(b, func(i int) {
			s.pos = int64(i) * mixer.BlockFrames
			o.process(s)
		})
	})
	b.Run("main/lame128", func(b *testing.B) {
		enc, _, err := mp3enc.New(mp3enc.Options{Kind: mp3enc.KindLAME})
		if err != nil {
			b.Skip(err)
		}
		defer enc.Close()
		buf := make([]byte, 0, 16<<10)
		perBlock(b, func(int) { buf, _ = enc.Encode(buf[:0], block) })
	})
	for _, c := range []struct {
		kind          string
		bitrate, rate int
	}{
		{mp3enc.KindLAME, 64, 44100}, {mp3enc.KindLAME, 128, 44100}, {mp3enc.KindLAME, 128, 48000},
		{mp3enc.KindShine, 128, 44100}, {mp3enc.KindShine, 128, 48000},
	} {
		b.Run(fmt.Sprintf("%s%d/%d", c.kind, c.bitrate, c.rate), func(b *testing.B) {
			enc, _, err := NewMP3(mp3enc.Options{Kind: c.kind, Bitrate: c.bitrate, SampleRate: c.rate})
			if err != nil {
				b.Skip(err)
			}
			defer enc.Close()
			o := New(Config{StationRate: stationRate, Encoder: enc, Sink: nopSink{}})
			s := &slot{pcm: block}
			perBlock(b, func(i int) {
				s.pos = int64(i) * mixer.BlockFrames
				o.process(s)
			})
		})
	}
	// Ogg Opus at 96 kbps from the 44.1 kHz mix: resampling to 48 kHz,
	// encoding, paging. Complexity 5 is the outputs' setting; 10 is
	// libopus's own default, for comparison.
	for _, complexity := range []int{5, 10} {
		b.Run(fmt.Sprintf("opus96/c%d", complexity), func(b *testing.B) {
			lib, err := opus.Load()
			if err != nil {
				b.Skip(err)
			}
			enc, err := NewOpus(lib, OpusOptions{Bitrate: 96, Complexity: complexity})
			if err != nil {
				b.Fatal(err)
			}
			defer enc.Close()
			o := New(Config{StationRate: stationRate, Encoder: enc, Sink: nopSink{}})
			s := &slot{pcm: block}
			perBlock(b, func(i int) {
				s.pos = int64(i) * mixer.BlockFrames
				o.process(s)
			})
		})
	}
}
