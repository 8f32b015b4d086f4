package main

import (
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// TestLiveSourceTakesOverAndGivesBack proves that an Icecast source
// (ffmpeg, MP3) on the live mount takes the air from the AutoDJ within a
// crossfade of arriving, with its title in the API and the stream's ICY
// metadata; that Push to Talk ducks the live show to BG Level; that the
// AutoDJ comes back within a crossfade of the source leaving; and that
// the listener's one connection carried audio throughout.
func TestLiveSourceTakesOverAndGivesBack(t *testing.T) {
	const (
		musicLevel, bgLevel = 0.9, 0.3
		crossfade           = time.Second
	)
	base := talkoverStation(t, fmt.Sprintf("    crossfade_ms: %d\n    mixer: {music_level: %g, bg_level: %g, music_fade_ms: 500}\n",
		crossfade.Milliseconds(), musicLevel, bgLevel))
	musicRef, liveRef := sineRef(t, musicHz, 2), sineRef(t, liveHz, 2)
	musicOn, liveOn := musicLevel*musicRef, musicLevel*liveRef

	rec := recordAir(t, base, 40*time.Second)
	time.Sleep(time.Until(rec.start.Add(3 * time.Second)))
	connect := time.Now()
	src, stderr := liveSource(t, base, "-c:a", "libmp3lame", "-b:a", "128k", "-flush_packets", "1",
		"-content_type", "audio/mpeg", "-ice_name", "DJ Tester", "-f", "mp3")
	if !testenv.Poll(15*time.Second, func() bool { return getMixer(t, base).Live }) {
		t.Fatalf("the mixer never went live; ffmpeg: %s", stderr)
	}
	// The takeover is timed from the source's arrival at the server, not
	// from ffmpeg's start, which a loaded machine can hold up.
	arrived := loggedAt(t, base, "live source connected")
	t.Logf("the source arrived %v after ffmpeg started; the mixer showed it live %v after that",
		arrived.Sub(connect).Round(time.Millisecond), time.Since(arrived).Round(time.Millisecond))

	// A title update goes to the API and to the listeners.
	req, _ := http.NewRequest("GET", base+"/admin/metadata?mount=/live&mode=updinfo&song=Live+Show", nil)
	req.SetBasicAuth("source", "s0urce")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("metadata update: %d", resp.StatusCode)
	}
	var np nowPlaying
	if !testenv.Poll(5*time.Second, func() bool { np = stationNow(t, base); return np.Title == "Live Show" && np.Live }) {
		t.Errorf("nowplaying %+v, want the live title and live", np)
	}

	// Push to Talk ducks the live show, once the show has had the air
	// alone long enough for the listener to have heard it so.
	if !testenv.Poll(10*time.Second, func() bool {
		g := getMixer(t, base).Gains
		return g.Music < 1e-3 && math.Abs(g.Live-musicLevel) < 1e-3
	}) {
		t.Fatalf("the live show never had the air alone: %+v", getMixer(t, base))
	}
	time.Sleep(2500 * time.Millisecond)
	pttOn := time.Now()
	press(t, base, "ptt", true)
	time.Sleep(time.Second)
	if m := getMixer(t, base); !m.Live || math.Abs(m.Gains.Live-bgLevel) > 1e-3 || m.Gains.Music > 1e-3 {
		t.Errorf("live and talking: %+v, want live at BG Level and no AutoDJ", m)
	}
	time.Sleep(2500 * time.Millisecond)
	pttOff := time.Now()
	press(t, base, "ptt", false)
	time.Sleep(3500 * time.Millisecond)

	// The source goes: the AutoDJ comes back.
	src.Process.Kill()
	killed := time.Now()
	if !testenv.Poll(5*time.Second, func() bool { return !getMixer(t, base).Live }) {
		t.Error("still live 5 s after the source was killed")
	}
	time.Sleep(time.Until(killed.Add(3500 * time.Millisecond)))
	if np := stationNow(t, base); np.Live || np.Title == "Live Show" {
		t.Errorf("nowplaying after the show: %+v", np)
	}
	if err := rec.alive(); err != nil {
		t.Fatal(err)
	}
	rec.stop()
	audio, titles, _ := rec.snapshot()
	pcm := decodeMono8k(t, audio)
	music, live := testaudio.Envelope(pcm, pcmRate, musicHz, envWin), testaudio.Envelope(pcm, pcmRate, liveHz, envWin)
	pos := func(w time.Time) float64 { return rec.posAt(w) }

	checkLevel(t, "music before the show", levelBetween(t, pcm, musicHz, pos(connect)-2, pos(connect)), musicOn, 1)
	// The takeover: from the first of the show to the last of the music.
	first := crossing(live, int(pos(connect)*100)-50, 0, liveOn, 0.05)
	if first < 0 {
		t.Fatalf("3 kHz never heard; ffmpeg: %s", stderr)
	}
	gone := -1.0
	for k := int(first * 100); k+20 <= len(music); k++ {
		if quiet := func() bool {
			for _, v := range music[k : k+20] {
				if v > 0.05*musicOn {
					return false
				}
			}
			return true
		}(); quiet {
			gone = float64(k) / 100
			break
		}
	}
	// Heard within the live channel's buffer of its arrival, plus the
	// second a listener may wait for its next delivery, plus half a
	// second for a loaded machine.
	delay := rec.wallAt(first).Sub(arrived)
	t.Logf("takeover: first 3 kHz %v after the source arrived, 440 Hz gone %.0f ms later", delay.Round(time.Millisecond), 1000*(gone-first))
	if delay > 2*time.Second {
		t.Errorf("the show was first heard %v after its source arrived, want ≤ 2 s", delay)
	}
	if gone < 0 || math.Abs(gone-first-crossfade.Seconds()) > 0.3 {
		t.Errorf("the takeover took %.0f ms from the show's first sound to the music's last, want %v ± 300 ms", 1000*(gone-first), crossfade)
	}
	// What the listener had by a press is before the press took effect;
	// listeners are sent audio once a second, and the engine runs a
	// little ahead, so the effect may show up to 1.5 s later.
	full := levelBetween(t, pcm, liveHz, gone+0.3, pos(pttOn))
	checkLevel(t, "the live show", full, liveOn, 1)
	checkLevel(t, "the live show under talk against before", levelBetween(t, pcm, liveHz, pos(pttOn)+1.8, pos(pttOff)), full*bgLevel/musicLevel, 1)
	checkLevel(t, "the live show after talk", levelBetween(t, pcm, liveHz, pos(pttOff)+1.8, pos(killed)), full, 1)

	// The give-back: the music at 90 % of its level again.
	back := crossing(music, int(pos(killed)*100), 0, musicOn, 0.9)
	if back < 0 {
		t.Fatal("440 Hz never came back")
	}
	// Within the crossfade, plus the second a listener may wait for its
	// next delivery, plus half a second for a loaded machine.
	took := rec.wallAt(back).Sub(killed)
	t.Logf("give-back: music at 90 %% %v after the kill", took.Round(time.Millisecond))
	if limit := crossfade + 1500*time.Millisecond; took > limit {
		t.Errorf("the AutoDJ was back %v after the source went, want ≤ %v", took, limit)
	}
	end := float64(len(pcm)) / pcmRate
	checkLevel(t, "music after the show", levelBetween(t, pcm, musicHz, end-1, end), musicOn, 1)
	if l := levelBetween(t, pcm, liveHz, end-1, end); l > liveOn/100 {
		t.Errorf("3 kHz still at %.1f dB after the show", testaudio.DB(l/liveOn))
	}
	if !containsTitle(titles, "Live Show") {
		t.Errorf("ICY titles %q lack the live title", titles)
	}
	checkContinuous(t, rec, audio, pcm, musicOn, liveOn, [2]float64{pos(killed) - 0.5, pos(killed) + crossfade.Seconds() + 1})
}
