package mixer

import (
	"math"
	"slices"
	"testing"
	"time"

	"onair/internal/testaudio"
)

// clockStart is where runFor's virtual clock starts.
var clockStart = time.Unix(1e9, 0)

// producerAt runs p to the engine's clock: a producer on real time.
func producerAt(e *Engine, p *feedTone) {
	p.runTo(e.cfg.Now().Sub(clockStart).Seconds())
}

// meanLevel is freq's mean amplitude from a to b seconds over 10 ms
// windows: short enough that a tone a few ppm off (a drifting producer)
// stays in phase within each.
func meanLevel(pcm []float32, a, b float64, freq float64) float64 {
	w := window(pcm, a, b)
	sum, n := 0.0, 0
	for i := 0; i+2*win <= len(w); i += 2 * win {
		sum += toneLevel(w[i:i+2*win], freq)
		n++
	}
	return sum / float64(max(n, 1))
}

// window returns the samples from a to b seconds.
func window(pcm []float32, a, b float64) []float32 {
	i, j := 2*int(a*rate), 2*int(b*rate)
	return pcm[min(i, len(pcm)):min(j, len(pcm))]
}

// TestMicIsMutedUntilTalk: a mic feeding a 2 kHz tone all along is not
// heard before Push to Talk; with talk on it comes in at Mic Level while
// the music goes to BG Level; after release it is gone again.
func TestMicIsMutedUntilTalk(t *testing.T) {
	talk := TalkSettings{MusicLevel: 0.9, BGLevel: 0.3, MicLevel: 0.8, MusicFade: 500 * time.Millisecond, MicFade: 250 * time.Millisecond}
	mic := NewFeed(rate, 200*time.Millisecond, time.Second)
	p := &feedTone{f: mic, freq: 2000, amp: 0.5, rate: rate * (1 + 100e-6), chunk: make([]float32, 2*882), chunkLen: 882}
	mic.Start()
	pressed, released := false, false
	pcm, _ := runFor(t, Config{Talk: &talk, Mic: mic}, tones([2]float64{440, 20}), 8*time.Second, func(e *Engine, produced time.Duration) {
		producerAt(e, p)
		if !pressed && produced >= 2*time.Second {
			pressed = true
			e.SetPTT(true)
		}
		if !released && produced >= 5*time.Second {
			released = true
			e.SetPTT(false)
			if m := e.Meters(); m.MicInput.PeakDB < -7 || m.Mic.PeakDB < -10 {
				t.Errorf("meters while talking: %+v", m)
			}
		}
	})
	music := meanLevel(pcm, 1, 1.9, 440)
	if l := toneLevel(window(pcm, 1, 1.9), 2000); l > 1e-4 {
		t.Errorf("the mic leaks before talk: 2 kHz at %.1f dB", testaudio.DB(l/0.5))
	}
	if d := testaudio.DB(meanLevel(pcm, 3, 4.9, 2000) / (0.5 * talk.MicLevel)); math.Abs(d) > 1 {
		t.Errorf("mic while talking %.2f dB off Mic Level", d)
	}
	if d := testaudio.DB(meanLevel(pcm, 3, 4.9, 440) / music / (talk.BGLevel / talk.MusicLevel)); math.Abs(d) > 1 {
		t.Errorf("music while talking %.2f dB off BG Level", d)
	}
	if l := toneLevel(window(pcm, 6.5, 7.9), 2000); l > 1e-4 {
		t.Errorf("the mic still on air after release: %.1f dB", testaudio.DB(l/0.5))
	}
	if mic.Underruns() != 0 {
		t.Errorf("mic underran %d times", mic.Underruns())
	}
}

// TestLiveTakesOverAndGivesBack: a live show replaces the AutoDJ with a
// crossfade within the fade time and half a second, its title goes on
// air, talk ducks it like the music, and when it ends the AutoDJ comes
// back with its next track.
func TestLiveTakesOverAndGivesBack(t *testing.T) {
	talk := TalkSettings{MusicLevel: 1, BGLevel: 0.25, MicLevel: 1, MusicFade: 300 * time.Millisecond}
	live := NewFeed(rate, 500*time.Millisecond, 2*time.Second)
	p := &feedTone{f: live, freq: 3000, amp: 0.5, rate: rate * (1 - 100e-6), chunk: make([]float32, 2*1024), chunkLen: 1024}
	started, titled, pressed, released, stopped := false, false, false, false, false
	var liveState TalkState
	src := tones([2]float64{440, 30}, [2]float64{660, 30})
	pcm, sink := runFor(t, Config{Talk: &talk, Live: live, Crossfade: time.Second}, src, 16*time.Second, func(e *Engine, produced time.Duration) {
		now := e.cfg.Now().Sub(clockStart)
		if !started && now >= 3*time.Second {
			started = true
			p.written = int64(now.Seconds() * p.rate)
			live.Start()
			e.SetLiveTitle("DJ Test - Live Set")
		}
		if started && !stopped {
			producerAt(e, p)
		}
		if !titled && now >= 6*time.Second {
			titled = true
			e.SetLiveTitle("DJ Test - Second Song")
			liveState = e.Talk()
		}
		if !pressed && produced >= 7*time.Second {
			pressed = true
			e.SetPTT(true)
		}
		if !released && produced >= 8*time.Second {
			released = true
			e.SetPTT(false)
		}
		if !stopped && now >= 10*time.Second {
			stopped = true
			live.Stop()
		}
	})
	if !liveState.Live || liveState.LiveGain < 0.99 || liveState.MusicGain > 0.01 {
		t.Errorf("state during the show: %+v", liveState)
	}
	// Which tone is on air, every 10 ms.
	dom := dominant(pcm, 440, 3000, 660)
	at := func(s float64) int { return dom[int(s*100)] }
	first3k := -1.0
	for i, d := range dom {
		if d == 1 {
			first3k = float64(i) / 100
			break
		}
	}
	// The show starts at 3 s of wall time, which the engine, a lead
	// ahead, reaches about 0.2 s earlier in its output; it must have the
	// air by 3 s + buffer + fade + 0.5 s.
	if first3k < 0 || first3k > 3+0.5+1+0.5 {
		t.Fatalf("the live show dominates first at %.2f s", first3k)
	}
	if at(2.5) != 0 || at(6) != 1 || at(9.5) != 1 {
		t.Errorf("on air at 2.5 s / 6 s / 9.5 s: %d %d %d, want 440 Hz, 3 kHz, 3 kHz", at(2.5), at(6), at(9.5))
	}
	if l := toneLevel(window(pcm, 5.5, 6.5), 440); l > 1e-3 {
		t.Errorf("the AutoDJ is still heard under the live show: %.1f dB", testaudio.DB(l/0.5))
	}
	// Talk ducks the show like the music (no mic here: just the duck).
	full := meanLevel(pcm, 5.5, 6.5, 3000)
	ducked := meanLevel(pcm, 7.5, 7.95, 3000)
	if d := testaudio.DB(ducked / full / talk.BGLevel); math.Abs(d) > 1 {
		t.Errorf("the live show under talk is %.2f dB off BG Level", d)
	}
	// The give-back is a crossfade too: what the show left in its buffer
	// fades out under the AutoDJ's next track, with no silence between.
	for i := int(first3k * 100); i < len(dom); i++ {
		if dom[i] == -1 {
			t.Errorf("silence at %.2f s", float64(i)/100)
			break
		}
	}
	// After the show the AutoDJ comes back with its next track.
	if at(15) != 2 {
		t.Errorf("after the show: %d on air, want the next track (660 Hz)", at(15))
	}
	var titles []string
	for _, s := range sink.titles {
		titles = append(titles, s.title)
	}
	want := []string{"Track A", "DJ Test - Live Set", "DJ Test - Second Song", "Track B"}
	if len(titles) != len(want) {
		t.Fatalf("titles %q, want %q", titles, want)
	}
	for i := range want {
		if titles[i] != want[i] {
			t.Fatalf("titles %q, want %q", titles, want)
		}
	}
}

// TestLiveStallGivesTheAirBack: a source that stays connected but sends
// nothing hands the air back to the AutoDJ after the grace time.
func TestLiveStallGivesTheAirBack(t *testing.T) {
	live := NewFeed(rate, 300*time.Millisecond, 2*time.Second)
	p := &feedTone{f: live, freq: 3000, amp: 0.5, rate: rate, chunk: make([]float32, 2*1024), chunkLen: 1024}
	started := false
	pcm, _ := runFor(t, Config{Live: live, Crossfade: 500 * time.Millisecond, LiveGrace: time.Second}, tones([2]float64{440, 30}, [2]float64{440, 30}), 10*time.Second, func(e *Engine, produced time.Duration) {
		now := e.cfg.Now().Sub(clockStart)
		if !started && now >= time.Second {
			started = true
			p.written = int64(now.Seconds() * p.rate)
			live.Start()
		}
		if started && now < 4*time.Second {
			producerAt(e, p) // then it stalls, still connected
		}
	})
	dom := dominant(pcm, 440, 3000)
	if dom[300] != 1 {
		t.Fatalf("the show did not take the air")
	}
	// The stall begins about 4.2 s into the output: grace 1 s, fade 0.5 s.
	if dom[600] != 0 || dom[950] != 0 {
		t.Errorf("the AutoDJ is not back after the stall: %d %d", dom[600], dom[950])
	}
}

// TestTrackChangeDuringTakeoverKeepsTheShowsTitle: a track that ends
// while a live show is taking the air (here with a 2 s takeover and 0.5 s
// tracks) opens the next one, which the show cuts; its title must not
// replace the show's. When the show is over, the AutoDJ's next track has
// the title again.
func TestTrackChangeDuringTakeoverKeepsTheShowsTitle(t *testing.T) {
	live := NewFeed(rate, 300*time.Millisecond, 2*time.Second)
	p := &feedTone{f: live, freq: 3000, amp: 0.5, rate: rate, chunk: make([]float32, 2*1024), chunkLen: 1024}
	var specs [][2]float64
	for range 40 {
		specs = append(specs, [2]float64{440, 0.5})
	}
	started, ended := false, false
	_, sink := runFor(t, Config{Live: live, Crossfade: 2 * time.Second}, tones(specs...), 12*time.Second, func(e *Engine, produced time.Duration) {
		now := e.cfg.Now().Sub(clockStart)
		switch {
		case !started && now >= time.Second:
			started = true
			p.written = int64(now.Seconds() * p.rate)
			e.SetLiveTitle("DJ Test - Live Set")
			live.Start()
		case started && !ended && now < 6*time.Second:
			producerAt(e, p)
		case started && !ended:
			ended = true
			live.Stop()
		}
	})
	show := slices.IndexFunc(sink.titles, func(s sinkTitle) bool { return s.title == "DJ Test - Live Set" })
	if show < 0 || show+1 == len(sink.titles) {
		t.Fatalf("titles %v: want the show's, and the AutoDJ's after it", sink.titles)
	}
	// The next title is the AutoDJ's once the show has gone (at 6 s; the
	// engine runs a little ahead), not one of a track the takeover opened
	// and cut (from about 1.3 s to 3.3 s).
	const mp3Frame = 1152.0 / rate
	if next := sink.titles[show+1]; float64(next.frame)*mp3Frame < 5.5 {
		t.Errorf("%q took the title from the show at %.2f s; titles %v", next.title, float64(next.frame)*mp3Frame, sink.titles)
	}
}
