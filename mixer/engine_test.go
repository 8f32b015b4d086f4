package mixer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"testing"
	"time"

	"onair/codec/mp3enc"
	"onair/internal/leakcheck"
	"onair/internal/testaudio"
)

const rate = 44100

// toneTrack is a track of a sine at freq, amplitude amp, frames long; it
// fails with err after failAt frames when err is set.
type toneTrack struct {
	freq, amp   float64
	frames, pos int
	phase       float64
	failAt      int
	err         error
	closed      bool
}

func (t *toneTrack) Read(buf []float32) (int, error) {
	if t.err != nil && t.pos >= t.failAt {
		return 0, t.err
	}
	n := 0
	for n+1 < len(buf) && t.pos < t.frames {
		v := float32(t.amp * math.Sin(t.phase))
		t.phase += 2 * math.Pi * t.freq / rate
		buf[n], buf[n+1] = v, v
		n += 2
		t.pos++
		if t.err != nil && t.pos >= t.failAt {
			break
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (t *toneTrack) Close() error { t.closed = true; return nil }

// trackList hands out its tracks in order.
type trackList struct {
	mu     sync.Mutex
	tracks []*Track
}

func (l *trackList) Next() *Track {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.tracks) == 0 {
		return nil
	}
	t := l.tracks[0]
	l.tracks = l.tracks[1:]
	return t
}

func tones(specs ...[2]float64) *trackList { // {freq, seconds}
	l := &trackList{}
	for i, s := range specs {
		l.tracks = append(l.tracks, &Track{
			Path:  "t" + string(rune('A'+i)),
			Title: "Track " + string(rune('A'+i)),
			Audio: &toneTrack{freq: s[0], amp: 0.5, frames: int(s[1] * rate)},
		})
	}
	return l
}

// pcmEncoder keeps the PCM it is given and emits one valid-looking MP3
// frame (128 kbps, 44.1 kHz, 417 bytes) per 1152 frames of it.
type pcmEncoder struct {
	pcm []float32
}

func (p *pcmEncoder) Encode(dst []byte, pcm []float32) ([]byte, error) {
	p.pcm = append(p.pcm, pcm...)
	f := make([]byte, 417)
	copy(f, []byte{0xFF, 0xFB, 0x90, 0x64})
	return append(dst, f...), nil
}

// recordSink notes each title with the frame index it came before.
type recordSink struct {
	frames int
	titles []sinkTitle
}

type sinkTitle struct {
	title string
	frame int
}

func (s *recordSink) WriteFrame(f []byte, now time.Time) { s.frames++ }
func (s *recordSink) SetTitle(title, url string, now time.Time) {
	s.titles = append(s.titles, sinkTitle{title, s.frames})
}
func (s *recordSink) Flush(time.Time) {}

// virtualClock runs an engine as fast as it can while it believes time
// passes: Sleep advances the clock.
type virtualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *virtualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *virtualClock) Sleep(ctx context.Context, d time.Duration) bool {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err() == nil
}

// runFor runs an engine on a virtual clock until it has produced d of
// audio, and returns the PCM it encoded.
func runFor(t *testing.T, cfg Config, src TrackSource, d time.Duration, during func(e *Engine, produced time.Duration)) ([]float32, *recordSink) {
	t.Helper()
	return runOn(t, &virtualClock{t: time.Unix(1e9, 0)}, cfg, src, d, during)
}

// runOn is runFor on the given clock.
func runOn(t *testing.T, clk *virtualClock, cfg Config, src TrackSource, d time.Duration, during func(e *Engine, produced time.Duration)) ([]float32, *recordSink) {
	t.Helper()
	leakcheck.Check(t) // Run leaves nothing running once it returns
	cfg.SampleRate = rate
	cfg.Now, cfg.Sleep = clk.Now, func(ctx context.Context, dd time.Duration) bool {
		return clk.Sleep(ctx, dd)
	}
	enc := &pcmEncoder{}
	sink := &recordSink{}
	e := New(cfg, src, enc, sink)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := int64(d.Seconds() * rate)
	e.cfg.Sleep = func(c context.Context, dd time.Duration) bool {
		if during != nil {
			during(e, e.Produced())
		}
		if e.produced.Load() >= stop {
			cancel()
			return false
		}
		return clk.Sleep(c, dd)
	}
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("engine did not stop")
	}
	return enc.pcm, sink
}

// toneLevel is the amplitude of freq in the left channel of x, the
// engine's interleaved stereo.
func toneLevel(x []float32, freq float64) float64 {
	return testaudio.Level(testaudio.Channel(x, 0, 2), rate, freq)
}

// rms is the RMS of x over both channels.
func rms(x []float32) float64 { return testaudio.RMS(testaudio.Floats(x)) }

const win = rate / 100 // 10 ms windows

// dominant returns, per 10 ms window, which of freqs is loudest (-1 when
// none is above 0.05).
func dominant(pcm []float32, freqs ...float64) []int {
	var out []int
	for i := 0; i+2*win <= len(pcm); i += 2 * win {
		best, lvl := -1, 0.05
		for j, f := range freqs {
			if l := toneLevel(pcm[i:i+2*win], f); l > lvl {
				best, lvl = j, l
			}
		}
		out = append(out, best)
	}
	return out
}

func TestTracksPlayInOrderWithEqualPowerCrossfade(t *testing.T) {
	src := tones([2]float64{500, 2}, [2]float64{1000, 2}, [2]float64{1500, 2})
	pcm, sink := runFor(t, Config{Crossfade: 500 * time.Millisecond, IdleTitle: "idle"}, src, 7*time.Second, nil)

	// Order: A, then B, then C, then silence; each once.
	var order []int
	for _, d := range dominant(pcm, 500, 1000, 1500) {
		if len(order) == 0 || order[len(order)-1] != d {
			order = append(order, d)
		}
	}
	want := []int{0, 1, 2, -1}
	if len(order) != len(want) {
		t.Fatalf("tone order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("tone order %v, want %v", order, want)
		}
	}

	// The overlap, where both tracks of a join are above 10 % of their
	// level, lasts the crossfade within 50 ms; the level stays even
	// through it (equal power: uncorrelated tones sum to constant power).
	steady := 0.5 / math.Sqrt2
	for _, join := range [][2]float64{{500, 1000}, {1000, 1500}} {
		overlap := 0
		for i := 0; i+2*win <= len(pcm); i += 2 * win {
			w := pcm[i : i+2*win]
			if toneLevel(w, join[0]) <= 0.005 || toneLevel(w, join[1]) <= 0.005 {
				continue
			}
			overlap++
			if lv := rms(w); math.Abs(20*math.Log10(lv/steady)) > 1 {
				t.Errorf("level at %.2f s is %.3f, more than 1 dB from %.3f", float64(i/2)/rate, lv, steady)
				break
			}
		}
		got := time.Duration(overlap) * 10 * time.Millisecond
		if got < 450*time.Millisecond || got > 550*time.Millisecond {
			t.Errorf("overlap %v→%v Hz lasted %v, want 500 ms ± 50 ms", join[0], join[1], got)
		}
	}
	// Three tracks of 2 s with two 0.5 s overlaps: 5 s of music.
	last := 0
	for i := 0; i+2*win <= len(pcm); i += 2 * win {
		if rms(pcm[i:i+2*win]) > 0.1 {
			last = i/2 + win
		}
	}
	if got := float64(last) / rate; math.Abs(got-5) > 0.03 {
		t.Errorf("music ended at %.3f s, want 5.000", got)
	}

	// Titles: A at the start, B and C where their crossfades begin (at
	// 1.5 s and 3 s), then the idle title once the silence lasted.
	wantTitles := []struct {
		title string
		at    float64
	}{{"Track A", 0}, {"Track B", 1.5}, {"Track C", 3}, {"idle", 6}}
	if len(sink.titles) != len(wantTitles) {
		t.Fatalf("titles %v", sink.titles)
	}
	for i, w := range wantTitles {
		got := sink.titles[i]
		at := float64(got.frame*BlockFrames) / rate
		if got.title != w.title || math.Abs(at-w.at) > float64(BlockFrames)/rate+0.001 {
			t.Errorf("title %d: %q at %.3f s, want %q at %.3f s", i, got.title, at, w.title, w.at)
		}
	}
}

func TestGaplessJoinIsSampleExact(t *testing.T) {
	src := tones([2]float64{440, 0.5}, [2]float64{440, 0.5})
	// Two tracks of the same tone: with no crossfade, the join must be
	// invisible. The second tone starts at phase 0 where the first ended
	// at a whole number of cycles? Not quite, so build the expectation
	// from the tracks themselves.
	a := &toneTrack{freq: 440, amp: 0.5, frames: rate / 2}
	b := &toneTrack{freq: 440, amp: 0.5, frames: rate / 2}
	want := make([]float32, 2*rate)
	n1, _ := a.Read(want)
	n2, _ := b.Read(want[n1:])
	want = want[:n1+n2]

	pcm, _ := runFor(t, Config{}, src, 1100*time.Millisecond, nil)
	for i := range want {
		if pcm[i] != want[i] {
			t.Fatalf("sample %d (frame %d) = %v, want %v: the join is not seamless", i, i/2, pcm[i], want[i])
		}
	}
	for i := len(want); i < len(pcm); i++ {
		if pcm[i] != 0 {
			t.Fatalf("sample %d after the music = %v, want silence", i, pcm[i])
		}
	}
}

func TestSkipCrossfadesFromWhereItIs(t *testing.T) {
	src := tones([2]float64{500, 10}, [2]float64{1000, 10})
	skipped := false
	pcm, sink := runFor(t, Config{Crossfade: 300 * time.Millisecond}, src, 3*time.Second, func(e *Engine, at time.Duration) {
		if !skipped && at >= time.Second {
			skipped = true
			e.Skip()
		}
	})
	doms := dominant(pcm, 500, 1000)
	// The 1000 Hz track takes over about 1.15 s in (the skip, plus half
	// the crossfade).
	switchAt := -1
	for i, d := range doms {
		if d == 1 {
			switchAt = i
			break
		}
	}
	if at := float64(switchAt) / 100; switchAt < 0 || at < 1.05 || at > 1.3 {
		t.Fatalf("second track took over at %.2f s, want about 1.15", at)
	}
	for _, d := range doms[switchAt+5 : 290] {
		if d != 1 {
			t.Fatalf("first track heard again after the skip")
		}
	}
	if len(sink.titles) != 2 || sink.titles[1].title != "Track B" {
		t.Errorf("titles %v", sink.titles)
	}
}

func TestBrokenTrackIsSkippedWithoutAGap(t *testing.T) {
	bad := &toneTrack{freq: 500, amp: 0.5, frames: 10 * rate, failAt: rate / 2, err: errors.New("corrupt frame")}
	src := &trackList{tracks: []*Track{
		{Path: "bad.mp3", Title: "Bad", Audio: bad},
		{Path: "good.mp3", Title: "Good", Audio: &toneTrack{freq: 1000, amp: 0.5, frames: 5 * rate}},
	}}
	probs := &Problems{}
	pcm, _ := runFor(t, Config{Crossfade: 200 * time.Millisecond, Problems: probs}, src, 2*time.Second, nil)
	// Music throughout: no 10 ms window of silence before 2 s.
	for i := 0; i+2*win <= len(pcm); i += 2 * win {
		if rms(pcm[i:i+2*win]) < 0.1 {
			t.Fatalf("silence at %.2f s after a broken track", float64(i/2)/rate)
		}
	}
	if !bad.closed {
		t.Error("broken track not closed")
	}
	p := probs.List()
	if len(p) != 1 || p[0].Path != "bad.mp3" || p[0].Message != "corrupt frame" {
		t.Errorf("problems %v", p)
	}
}

func TestNothingToPlayIsSilenceWithTitle(t *testing.T) {
	pcm, sink := runFor(t, Config{IdleTitle: "OnAir: add music to ./music"}, &trackList{}, 2*time.Second, nil)
	if r := rms(pcm); r != 0 {
		t.Errorf("rms %v, want silence", r)
	}
	if len(sink.titles) != 1 || sink.titles[0].title != "OnAir: add music to ./music" {
		t.Errorf("titles %v", sink.titles)
	}
}

// TestIdleTitleFollowsSetIdleTitle: a title set before the silence is
// announced is the one listeners see.
func TestIdleTitleFollowsSetIdleTitle(t *testing.T) {
	_, sink := runFor(t, Config{IdleTitle: "OnAir: add music to ./music"}, &trackList{}, 2*time.Second, func(e *Engine, produced time.Duration) {
		if produced < 500*time.Millisecond {
			e.SetIdleTitle("OnAir: add music to /srv/radio")
		}
	})
	if len(sink.titles) != 1 || sink.titles[0].title != "OnAir: add music to /srv/radio" {
		t.Errorf("titles %v", sink.titles)
	}
}

func TestLimiterKeepsLoudCrossfadeInWithoutClipping(t *testing.T) {
	// Two in-phase full-scale tones crossfade: the equal-power sum peaks
	// at √2 of either.
	src := &trackList{}
	for range 2 {
		src.tracks = append(src.tracks, &Track{Audio: &toneTrack{freq: 100, amp: 0.99, frames: rate}})
	}
	pcm, _ := runFor(t, Config{Crossfade: 800 * time.Millisecond}, src, 2*time.Second, nil)
	var peak float32
	for _, v := range pcm {
		peak = max(peak, abs32(v))
	}
	if peak > 0.97+1e-6 {
		t.Errorf("peak %v over the ceiling", peak)
	}
	// Not clipped or squashed: through the crossfade, the tone's third
	// harmonic (what clipping a sine makes) stays 50 dB under it.
	mid := pcm[2*rate*3/5 : 2*rate*7/5]
	if h3 := 20 * math.Log10(toneLevel(mid, 300)/toneLevel(mid, 100)); h3 > -50 {
		t.Errorf("third harmonic at %.1f dB: the limiter distorts", h3)
	}
	// And the music is still loud through the crossfade.
	if r := rms(pcm[2*rate/2 : 2*rate]); r < 0.5 {
		t.Errorf("rms through the crossfade %.3f", r)
	}
}

func TestPacingRunsAFixedLeadAhead(t *testing.T) {
	clk := &virtualClock{t: time.Unix(1e9, 0)}
	start := clk.Now()
	src := tones([2]float64{500, 100})
	e := New(Config{SampleRate: rate, Lead: 200 * time.Millisecond, Now: clk.Now}, src, &pcmEncoder{}, &recordSink{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var worst time.Duration
	e.cfg.Sleep = func(c context.Context, d time.Duration) bool {
		ahead := e.Produced() - clk.Now().Sub(start)
		worst = max(worst, ahead)
		if e.Produced() > 60*time.Second {
			cancel()
			return false
		}
		return clk.Sleep(c, d)
	}
	e.Run(ctx)
	elapsed := clk.Now().Sub(start)
	if d := e.Produced() - elapsed; d < 150*time.Millisecond || d > 250*time.Millisecond {
		t.Errorf("after %v the engine is %v ahead, want about 200 ms", elapsed, d)
	}
	if worst > 200*time.Millisecond+2*BlockFrames*time.Second/rate {
		t.Errorf("lead reached %v", worst)
	}
}

func TestSteadyStateAllocatesNothingPerBlock(t *testing.T) {
	src := tones([2]float64{500, 1000})
	talk := TalkSettings{MusicLevel: 0.9, BGLevel: 0.3, MicLevel: 0.9, MusicFade: time.Second}
	e := New(Config{SampleRate: rate, Crossfade: time.Second, Talk: &talk}, src, nopEncoder{}, &recordSink{})
	e.SetPTT(true) // talk on: the faders are at work, not at unity
	var frames int64
	step := func() {
		e.render(frames)
		e.encode()
		frames += BlockFrames
	}
	for range 100 {
		step()
	}
	if a := testing.AllocsPerRun(200, step); a != 0 {
		t.Errorf("%v allocations per block", a)
	}
}

// TestEveryChannelAllocatesNothingPerBlock: the AutoDJ, a live show half
// way through taking over and the mic under talk, meters and all.
func TestEveryChannelAllocatesNothingPerBlock(t *testing.T) {
	src := tones([2]float64{500, 1000})
	talk := TalkSettings{MusicLevel: 0.9, BGLevel: 0.3, MicLevel: 0.9, MusicFade: time.Second, MicFade: time.Second}
	mic := NewFeed(rate, 100*time.Millisecond, time.Second)
	live := NewFeed(rate, 100*time.Millisecond, time.Second)
	e := New(Config{SampleRate: rate, Crossfade: time.Hour, Talk: &talk, Mic: mic, Live: live}, src, nopEncoder{}, &recordSink{})
	e.SetPTT(true)
	e.SetLiveTitle("live")
	pm := &feedTone{f: mic, freq: 2000, amp: 0.5, rate: rate, chunk: make([]float32, 2*BlockFrames), chunkLen: BlockFrames}
	pl := &feedTone{f: live, freq: 3000, amp: 0.5, rate: rate, chunk: make([]float32, 2*BlockFrames), chunkLen: BlockFrames}
	var frames int64
	clock := func() time.Time { return clockStart.Add(time.Duration(frames) * time.Second / rate) }
	mic.clock, live.clock = clock, clock
	mic.Start()
	live.Start()
	step := func() {
		t := float64(frames)/rate + 0.2
		pm.runTo(t)
		pl.runTo(t)
		e.render(frames)
		e.encode()
		frames += BlockFrames
	}
	for range 100 {
		step()
	}
	if a := testing.AllocsPerRun(200, step); a != 0 {
		t.Errorf("%v allocations per block", a)
	}
	if st := e.Talk(); !st.Live || st.LiveGain <= 0 || st.MusicGain <= 0 || st.MicGain <= 0 {
		t.Errorf("not every channel was on air: %+v", st)
	}
}

// nopEncoder emits one fixed frame per block without allocating.
type nopEncoder struct{}

var nopFrame = func() []byte {
	f := make([]byte, 417)
	copy(f, []byte{0xFF, 0xFB, 0x90, 0x64})
	return f
}()

func (nopEncoder) Encode(dst []byte, pcm []float32) ([]byte, error) {
	return append(dst, nopFrame...), nil
}

// TestRealChainAllocatesNothingPerBlock: with real MP3 files decoded (one
// resampled from 48 kHz) and the real encoder, a block in the middle of a
// track allocates nothing.
func TestRealChainAllocatesNothingPerBlock(t *testing.T) {
	for _, rate := range []int{44100, 48000} {
		t.Run(fmt.Sprint(rate), func(t *testing.T) {
			path := chainFixture(t, rate)
			enc, _, err := mp3enc.New(mp3enc.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer enc.Close()
			e := New(Config{SampleRate: 44100, Crossfade: 3 * time.Second}, &reopening{path: path}, enc, &recordSink{})
			var frames int64
			step := func() {
				e.render(frames)
				e.encode()
				frames += BlockFrames
			}
			for range 100 {
				step()
			}
			if a := testing.AllocsPerRun(300, step); a != 0 {
				t.Errorf("%v allocations per block", a)
			}
		})
	}
}
