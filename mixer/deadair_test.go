package mixer

import (
	"sync"
	"testing"
	"time"
)

// deadAirLog keeps what OnDeadAir heard; the engine calls it from its
// loop, the test reads it after Run.
type deadAirLog struct {
	mu     sync.Mutex
	events []DeadAir
}

func (l *deadAirLog) add(d DeadAir) { l.mu.Lock(); l.events = append(l.events, d); l.mu.Unlock() }

func (l *deadAirLog) list() []DeadAir {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]DeadAir(nil), l.events...)
}

// firstOf is the time in seconds of the first 10 ms window where
// freqs[want] dominates, -1 if none.
func firstOf(doms []int, want int) float64 {
	for i, d := range doms {
		if d == want {
			return float64(i) / 100
		}
	}
	return -1
}

// TestDeadAirSkipsQuietTracks: a track whose level stays under
// dead_air_db for dead_air_seconds is skipped, with the crossfade, and
// reported; one whose quiet passage peaks over it plays on.
func TestDeadAirSkipsQuietTracks(t *testing.T) {
	for _, tc := range []struct {
		name string
		amp  float64 // of track B, a 30 s tone between two loud ones
		skip bool
	}{
		{"silence", 0, true},
		{"-60 dBFS", 0.001, true},
		{"-40 dBFS passage plays on", 0.01, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &trackList{tracks: []*Track{
				{Path: "a", Title: "Track A", Audio: &toneTrack{freq: 500, amp: 0.5, frames: 2 * rate}},
				{Path: "b", Title: "Track B", Audio: &toneTrack{freq: 700, amp: tc.amp, frames: 30 * rate}},
				{Path: "c", Title: "Track C", Audio: &toneTrack{freq: 1000, amp: 0.5, frames: 10 * rate}},
			}}
			var log deadAirLog
			cfg := Config{Crossfade: 500 * time.Millisecond, DeadAirDB: -50, DeadAirAfter: 10 * time.Second, OnDeadAir: log.add}
			pcm, sink := runFor(t, cfg, src, 16*time.Second, nil)
			events := log.list()
			cAt := firstOf(dominant(pcm, 500, 1000), 1)
			if !tc.skip {
				if cAt >= 0 || len(events) != 0 {
					t.Fatalf("the quiet track was cut at %.2f s; events %+v", cAt, events)
				}
				// The quiet track was on air all along, not silence.
				if l := meanLevel(pcm, 3, 15, 700); l < 0.008 {
					t.Fatalf("the quiet track is not heard: %.4f", l)
				}
				return
			}
			// B's silence starts as A's fade ends, 2 s in; ten seconds on
			// the skip's crossfade brings C in, past its middle 12.25 s in.
			if cAt < 11.9 || cAt > 12.6 {
				t.Fatalf("track C took over at %.2f s, want about 12.25", cAt)
			}
			if len(events) != 1 {
				t.Fatalf("want one dead air event, got %+v", events)
			}
			ev := events[0]
			if ev.Live || ev.NowPlaying.Title != "Track B" {
				t.Errorf("event %+v, want the AutoDJ's Track B", ev)
			}
			if ev.Silence < 9900*time.Millisecond || ev.Silence > 10500*time.Millisecond {
				t.Errorf("silence %v, want about 10 s", ev.Silence)
			}
			if got := ev.Since.Sub(clockStart); got < 1500*time.Millisecond || got > 2500*time.Millisecond {
				t.Errorf("since %v after start, want about 2 s", got)
			}
			if last := sink.titles[len(sink.titles)-1].title; last != "Track C" {
				t.Errorf("titles %v, want Track C last", sink.titles)
			}
		})
	}
}

// TestDeadAirOffByDefault: with no dead-air time, silence plays on.
func TestDeadAirOffByDefault(t *testing.T) {
	src := tones([2]float64{500, 1}, [2]float64{1000, 1})
	src.tracks[0].Audio.(*toneTrack).amp = 0
	src.tracks[0].Audio.(*toneTrack).frames = 15 * rate
	pcm, _ := runFor(t, Config{Crossfade: 500 * time.Millisecond, DeadAirDB: -50}, src, 14*time.Second, nil)
	if at := firstOf(dominant(pcm, 500, 1000), 1); at >= 0 {
		t.Fatalf("silence was skipped at %.2f s with the guard off", at)
	}
}

// TestDeadAirLiveSilenceGivesTheAirBack: a live source that stays
// connected but sends only silence loses the air to the AutoDJ after the
// dead-air time, and takes it back when it sends sound again.
func TestDeadAirLiveSilenceGivesTheAirBack(t *testing.T) {
	live := NewFeed(rate, 300*time.Millisecond, 2*time.Second)
	p := &feedTone{f: live, freq: 3000, amp: 0, rate: rate, chunk: make([]float32, 2*1024), chunkLen: 1024}
	var log deadAirLog
	cfg := Config{
		Live: live, Crossfade: 500 * time.Millisecond, LiveGrace: time.Second,
		DeadAirDB: -50, DeadAirAfter: 10 * time.Second, OnDeadAir: log.add,
	}
	started := false
	var stateMuted TalkState
	pcm, _ := runFor(t, cfg, tones([2]float64{440, 60}, [2]float64{440, 60}), 20*time.Second, func(e *Engine, produced time.Duration) {
		now := e.cfg.Now().Sub(clockStart)
		if !started && now >= time.Second {
			started = true
			p.written = int64(now.Seconds() * p.rate)
			live.Start()
			e.SetLiveTitle("DJ Quiet")
		}
		if now >= 16*time.Second && p.amp == 0 {
			stateMuted = e.Talk()
			p.amp = 0.5 // the DJ is back
		}
		if started {
			producerAt(e, p)
		}
	})
	dom := dominant(pcm, 440, 3000)
	// The show takes the air with its silence about 1.5 s in (the feed's
	// buffer, then the takeover).
	if dom[500] != -1 || dom[1000] != -1 {
		t.Fatalf("the silent show did not have the air: %d %d", dom[500], dom[1000])
	}
	back := firstOf(dom[1000:], 0)
	if back < 0 {
		t.Fatalf("the AutoDJ never came back")
	}
	if back += 10; back < 11.5 || back > 13.5 {
		t.Errorf("the AutoDJ came back at %.2f s, want about 12", back)
	}
	if dom[1500] != 0 {
		t.Errorf("the AutoDJ does not hold the air while the show is silent")
	}
	if stateMuted.Live {
		t.Errorf("the silent show still counts as live: %+v", stateMuted)
	}
	// Sound again from 16 s, heard after the feed's buffer and the fade.
	if dom[1800] != 1 || dom[1950] != 1 {
		t.Errorf("the show did not take the air back with sound: %d %d", dom[1800], dom[1950])
	}
	events := log.list()
	if len(events) != 1 || !events[0].Live || events[0].NowPlaying.Title != "DJ Quiet" {
		t.Errorf("events %+v, want one for the live show DJ Quiet", events)
	}
}

// TestDeadAirAllocatesNothing: watching for dead air, and acting on it,
// costs the audio loop no allocation.
func TestDeadAirAllocatesNothing(t *testing.T) {
	src := tones([2]float64{500, 1000})
	src.tracks[0].Audio.(*toneTrack).amp = 0
	fired := 0
	e := New(Config{SampleRate: rate, DeadAirDB: -50, DeadAirAfter: 50 * time.Millisecond, OnDeadAir: func(DeadAir) { fired++ }},
		src, nopEncoder{}, &recordSink{})
	var frames int64
	step := func() {
		e.render(frames)
		e.encode()
		frames += BlockFrames
	}
	for range 10 {
		step()
	}
	if a := testing.AllocsPerRun(200, step); a != 0 {
		t.Errorf("%v allocations per block", a)
	}
	if fired < 10 {
		t.Errorf("dead air reported %d times in 200 silent blocks, want one every few blocks", fired)
	}
}
