package mixer

import (
	"math"
	"testing"
	"time"
)

// TestTalkOverRampsAndLock: Push to Talk ducks the music from Music Level
// to BG Level over the fade time with its midpoint half way; release
// brings it back; a reversal mid-ramp turns back without a step; Lock
// holds talk on through a release.
func TestTalkOverRampsAndLock(t *testing.T) {
	talk := TalkSettings{MusicLevel: 0.9, BGLevel: 0.3, MicLevel: 0.9, MusicFade: time.Second, MicFade: 500 * time.Millisecond}
	at := map[string]int64{} // produced frame where each action took effect
	act := func(e *Engine, name string, produced time.Duration, when time.Duration, do func()) {
		if _, done := at[name]; !done && produced >= when {
			do()
			at[name] = int64(produced.Seconds() * rate)
		}
	}
	pcm, _ := runFor(t, Config{Talk: &talk}, tones([2]float64{500, 20}), 11*time.Second, func(e *Engine, p time.Duration) {
		act(e, "press", p, 2*time.Second, func() { e.SetPTT(true) })
		act(e, "release", p, 4*time.Second, func() { e.SetPTT(false) })
		act(e, "press2", p, 6*time.Second, func() { e.SetPTT(true) })
		act(e, "reverse", p, 6500*time.Millisecond, func() { e.SetPTT(false) })
		act(e, "lock", p, 8*time.Second, func() { e.SetLock(true) })
		act(e, "lockedRelease", p, 8500*time.Millisecond, func() {
			if !e.SetPTT(false) {
				t.Error("a PTT release under Lock turned talk off")
			}
			if st := e.Talk(); !st.Lock || !st.PTT || !st.Talking {
				t.Errorf("under Lock: %+v", st)
			}
		})
	})
	// The envelope of the 500 Hz tone, per 10 ms window.
	var env []float64
	for i := 0; i+2*win <= len(pcm); i += 2 * win {
		env = append(env, toneLevel(pcm[i:i+2*win], 500)) // 5 whole cycles per window
	}
	level := func(from, to time.Duration) float64 {
		a, b := int(from/(10*time.Millisecond)), int(to/(10*time.Millisecond))
		s := 0.0
		for _, v := range env[a:b] {
			s += v
		}
		return s / float64(b-a)
	}
	full := level(time.Second, 1900*time.Millisecond)
	db := func(x float64) float64 { return 20 * math.Log10(x) }
	check := func(what string, got, want float64) {
		t.Helper()
		if d := db(got / full / (want / talk.MusicLevel)); math.Abs(d) > 1 {
			t.Errorf("%s: %.3f of full level, want %.3f (%.2f dB off)", what, got/full, want/talk.MusicLevel, d)
		}
	}
	sec := func(frame int64) time.Duration { return time.Duration(frame) * time.Second / rate }
	check("ducked", level(sec(at["press"])+1100*time.Millisecond, sec(at["release"])-50*time.Millisecond), talk.BGLevel)
	check("back", level(sec(at["release"])+1100*time.Millisecond, sec(at["press2"])-50*time.Millisecond), talk.MusicLevel)
	check("locked", level(sec(at["lockedRelease"])+200*time.Millisecond, 10900*time.Millisecond), talk.BGLevel)

	// The ramp's midpoint is half the fade time after the press.
	mid := full * (talk.MusicLevel + talk.BGLevel) / 2 / talk.MusicLevel
	start := int(sec(at["press"]) / (10 * time.Millisecond))
	cross := -1
	for i := start; i < start+200; i++ {
		if env[i] <= mid {
			cross = i
			break
		}
	}
	want := sec(at["press"]) + talk.MusicFade/2
	if got := time.Duration(cross) * 10 * time.Millisecond; cross < 0 || got < want-50*time.Millisecond || got > want+50*time.Millisecond {
		t.Errorf("ramp midpoint at %v, want %v ± 50 ms", got, want)
	}

	// No step anywhere, the mid-ramp reversal included: the envelope moves
	// at most the ramp's slope per window (plus the window's own smear).
	slope := full * (talk.MusicLevel - talk.BGLevel) / talk.MusicLevel / 100 // per 10 ms
	for i := 50; i < len(env); i++ {                                         // from 0.5 s: the track's own start is a step
		if d := math.Abs(env[i] - env[i-1]); d > 2*slope+0.002 {
			t.Errorf("step of %.4f at %v (ramp slope %.4f per 10 ms)", d, time.Duration(i)*10*time.Millisecond, slope)
			break
		}
	}
	// The reversal turned back before reaching BG Level.
	low := math.Inf(1)
	for _, v := range env[int(sec(at["press2"])/(10*time.Millisecond)) : int(sec(at["press2"])/(10*time.Millisecond))+150] {
		low = math.Min(low, v)
	}
	if r := low / full; r < 0.55 || r > 0.75 {
		t.Errorf("reversed half way, the music fell to %.2f of full; want about 2/3", r)
	}
}

func TestFaderReachesTargetExactly(t *testing.T) {
	var f fader
	f.gain, f.target = 1, 1
	f.rampTo(0.25, 0.75, 10*time.Millisecond, 1000) // 10 frames
	buf := make([]float32, 2*20)
	for i := range buf {
		buf[i] = 1
	}
	f.apply(buf)
	if buf[2*9] != 0.25 || buf[len(buf)-1] != 0.25 || f.step != 0 {
		t.Fatalf("after the ramp: %v, step %v", buf, f.step)
	}
	if buf[0] >= 1 || buf[0] <= 0.9 {
		t.Fatalf("first frame %v: the ramp should start at once", buf[0])
	}
}

func TestFaderAdvanceMatchesApply(t *testing.T) {
	var a, b fader
	a.rampTo(0.9, 0.9, 100*time.Millisecond, 44100)
	b = a
	buf := make([]float32, 2*1152)
	for range 5 {
		a.apply(buf)
		b.advance(1152)
		if math.Abs(float64(a.gain-b.gain)) > 1e-4 || a.left != b.left { // float32 steps summed one by one drift a little
			t.Fatalf("apply %v/%d, advance %v/%d", a.gain, a.left, b.gain, b.left)
		}
	}
	if b.gain != 0.9 {
		t.Fatalf("advance ended at %v", b.gain)
	}
}
