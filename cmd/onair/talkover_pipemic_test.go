package main

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"onair/internal/testaudio"
)

// TestPipeMicTalksOverTheMusic proves, on what a listener hears, that a
// pipe mic is muted until talk, that Push to Talk ducks the music to BG
// Level and brings the mic up to Mic Level with linear ramps of the
// configured fade times (both ways), that Lock holds talk through a
// release, and that a release half way through a ramp turns back
// without a step.
func TestPipeMicTalksOverTheMusic(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "mic.pcm")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	const (
		musicLevel, bgLevel, micLevel = 0.9, 0.3, 0.8
		micAmp                        = 0.5
		musicFade, micFade            = time.Second, 500 * time.Millisecond
	)
	base := talkoverStation(t, fmt.Sprintf(`    crossfade_ms: 0
    mixer: {music_level: %g, bg_level: %g, mic_level: %g, music_fade_ms: %d, mic_fade_ms: %d}
    mic: {backend: pipe, path: %q, sample_rate: 48000, channels: 1}
`, musicLevel, bgLevel, micLevel, musicFade.Milliseconds(), micFade.Milliseconds(), fifo))
	feedMic(t, fifo, micHz, micAmp, 48000)
	// The station puts a mono mic in both channels at full level.
	micRef := refLevel(t, fmt.Sprintf("aevalsrc=%[1]g*sin(2*PI*%[2]d*t)|%[1]g*sin(2*PI*%[2]d*t):s=44100:d=3", micAmp, micHz), micHz, 1)
	musicRef := sineRef(t, musicHz, 2)

	rec := recordAir(t, base, 40*time.Second)
	at := func(d time.Duration) { time.Sleep(time.Until(rec.start.Add(d))) }

	// The mic is read (its input meter shows the tone) but kept off the air.
	at(3 * time.Second)
	m := getMixer(t, base)
	if m.Talking || m.Meters.MicInput.RMSDB < testaudio.DB(micAmp/math.Sqrt2)-1 || m.Meters.MicInput.RMSDB > testaudio.DB(micAmp/math.Sqrt2)+1 || m.Meters.Mic.RMSDB > -100 {
		t.Errorf("before talk: want the mic's input at %.1f dB RMS and nothing on its fader: %+v", testaudio.DB(micAmp/math.Sqrt2), m.Meters)
	}

	at(4 * time.Second)
	if m := press(t, base, "ptt", true); !m.PTT || !m.Talking {
		t.Fatalf("PTT on: %+v", m)
	}
	at(6 * time.Second)
	if m := getMixer(t, base); math.Abs(m.Gains.Music-bgLevel) > 1e-3 || math.Abs(m.Gains.Mic-micLevel) > 1e-3 {
		t.Errorf("gains while talking: %+v", m.Gains)
	}
	at(8 * time.Second)
	press(t, base, "ptt", false)

	// Lock, then a release: talk stays on until Lock is released.
	at(11 * time.Second)
	lockOn := time.Now()
	press(t, base, "lock", true)
	time.Sleep(500 * time.Millisecond)
	if m := press(t, base, "ptt", false); !m.Lock || !m.Talking {
		t.Errorf("PTT released under Lock: %+v, want lock and talking", m)
	}
	released := time.Since(lockOn)
	time.Sleep(2 * time.Second)
	if m := press(t, base, "lock", false); m.Lock || m.Talking {
		t.Errorf("Lock off: %+v", m)
	}

	// A change of mind: released a quarter of the way down the music's
	// fade, half way up the mic's.
	at(15500 * time.Millisecond)
	press(t, base, "ptt", true)
	time.Sleep(musicFade / 4)
	press(t, base, "ptt", false)
	at(18 * time.Second)
	if err := rec.alive(); err != nil {
		t.Fatal(err)
	}
	rec.stop()
	audio, _, _ := rec.snapshot()
	pcm := decodeMono8k(t, audio)
	music, mic := testaudio.Envelope(pcm, pcmRate, musicHz, envWin), testaudio.Envelope(pcm, pcmRate, micHz, envWin)
	musicOn, micOn := musicLevel*musicRef, micLevel*micRef

	// Talk shows as three runs of the mic: PTT, Lock, the change of mind.
	talks := runs(mic, micOn/4)
	t.Logf("talk heard at %v s of %.2f s", talks, float64(len(pcm))/pcmRate)
	if len(talks) != 3 {
		t.Fatalf("mic heard in %d runs (%v), want 3: PTT, Lock, PTT released early", len(talks), talks)
	}
	ptt, lock, early := talks[0], talks[1], talks[2]

	// Before talk: the music at Music Level, and no mic.
	before := levelBetween(t, pcm, musicHz, ptt[0]-2.5, ptt[0]-0.3)
	checkLevel(t, "music before talk", before, musicOn, 1)
	talking := levelBetween(t, pcm, micHz, ptt[0]+1.3, ptt[1]-0.3)
	if leak := levelBetween(t, pcm, micHz, ptt[0]-2.5, ptt[0]-0.3); testaudio.DB(leak/talking) > -40 {
		t.Errorf("mic before talk at %.1f dB of its level while talking, want below -40 dB", testaudio.DB(leak/talking))
	}
	// Talking: the music at BG Level, the mic at Mic Level.
	ducked := levelBetween(t, pcm, musicHz, ptt[0]+1.3, ptt[1]-0.3)
	checkLevel(t, "ducked music against before", ducked/before, bgLevel/musicLevel, 1)
	checkLevel(t, "mic while talking", talking, micOn, 1)
	// The four ramps: linear, of their fade times, started together.
	// The four ramps, between the levels measured: linear, of their
	// fade times, started together.
	down := checkRamp(t, "music ducking", music, ptt[0]-0.5, before, ducked, musicFade)
	up := checkRamp(t, "mic opening", mic, ptt[0]-0.5, 0, talking, micFade)
	if math.Abs(down.start-up.start) > 0.03 {
		t.Errorf("music's fade starts at %.3f s, mic's at %.3f s: want them together", down.start, up.start)
	}
	checkRamp(t, "music back", music, ptt[1]-0.7, ducked, before, musicFade)
	checkRamp(t, "mic closing", mic, ptt[1]-0.7, talking, 0, micFade)
	// Released: the music back at Music Level, no mic.
	after := levelBetween(t, pcm, musicHz, ptt[1]+0.8, lock[0]-0.3)
	checkLevel(t, "music after release against before", after/before, 1, 1)
	if leak := levelBetween(t, pcm, micHz, ptt[1]+0.8, lock[0]-0.3); testaudio.DB(leak/talking) > -40 {
		t.Errorf("mic after release at %.1f dB of its level while talking, want below -40 dB", testaudio.DB(leak/talking))
	}

	// Lock: talk lasted well past the PTT release, at Mic Level.
	if lock[1]-lock[0] < released.Seconds()+1 {
		t.Errorf("talk under Lock lasted %.2f s; PTT was released %.2f s after Lock on, Lock off 2 s later", lock[1]-lock[0], released.Seconds())
	}
	checkLevel(t, "mic under Lock after the PTT release", levelBetween(t, pcm, micHz, lock[0]+released.Seconds()+0.3, lock[1]-0.3), micOn, 1)

	// The change of mind turned both faders back part way...
	i, j := int(early[0]*100)-30, min(len(music), int(early[1]*100)+150)
	low, high := before, 0.0
	for k := i; k < j; k++ {
		low, high = min(low, music[k]), max(high, mic[k])
	}
	t.Logf("change of mind: music down to %.0f %% of the way to BG Level, mic up to %.0f %% of Mic Level",
		100*(before-low)/(before-ducked), 100*high/talking)
	if low < ducked+0.1*(before-ducked) || low > before-0.1*(before-ducked) || high > 0.9*talking {
		t.Errorf("released early, the music went down to %.4f (%.4f…%.4f) and the mic up to %.4f (of %.4f): not turned back mid-fade", low, ducked, before, high, talking)
	}
	// ...without a step. Nor is there one anywhere else from before the
	// first press to the end: no 10 ms window moves further from the
	// last than the steepest fade's slope over one window, plus the
	// codec's noise; a step is a cut or a dropout, which listeners hear
	// as a click.
	for _, c := range []struct {
		name         string
		env          []float64
		full         float64
		slope, noise float64
	}{
		{"music", music, before, (before - ducked) / (100 * musicFade.Seconds()), 0.02 * before},
		{"mic", mic, talking, talking / (100 * micFade.Seconds()), 0.02 * talking},
	} {
		worst := 0.0
		for k := i + 1; k < j; k++ {
			worst = max(worst, math.Abs(c.env[k]-c.env[k-1]))
		}
		t.Logf("change of mind, %s: largest move %.4f per 10 ms (slope %.4f)", c.name, worst, c.slope)
		var at []string
		for k := int(ptt[0]*100) - 100; k < len(c.env); k++ {
			if d := c.env[k] - c.env[k-1]; math.Abs(d) > c.slope+c.noise {
				at = append(at, fmt.Sprintf("%.2f s (%+.0f %%)", float64(k)/100, 100*d/c.full))
			}
		}
		if len(at) > 0 {
			t.Errorf("the %s's level steps by more than its fade's slope (%.4f per 10 ms) plus noise at %s (of its full level); talk heard at %v s",
				c.name, c.slope, strings.Join(at, ", "), talks)
		}
	}
	if m := getMixer(t, base); m.Talking || m.PTT || m.Lock || math.Abs(m.Gains.Music-musicLevel) > 1e-3 || m.Gains.Mic != 0 {
		t.Errorf("mixer at the end: %+v", m)
	}
}
