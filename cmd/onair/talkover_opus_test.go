package main

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// TestLiveOggOpusTakesOverAndGivesBack proves that an Ogg Opus source
// (ffmpeg with libopus, an Icecast PUT declared as audio/ogg) is heard on
// the station's MP3 stream whole and at its level, its OpusTags title
// becoming the station's, and that the AutoDJ comes back when it leaves,
// the listener's one connection carrying audio throughout. It needs
// libopus (Debian's libopus0) in the server as well as in ffmpeg.
func TestLiveOggOpusTakesOverAndGivesBack(t *testing.T) {
	base := talkoverStation(t, "    crossfade_ms: 500\n    mixer: {music_level: 0.9}\n")
	musicOn, liveOn := 0.9*sineRef(t, musicHz, 2), 0.9*sineRef(t, liveHz, 2)
	rec := recordAir(t, base, 30*time.Second)
	time.Sleep(2 * time.Second)

	const showLength = 6 * time.Second
	showStart := time.Now()
	src, stderr := liveSource(t, base, "-t", fmt.Sprint(showLength.Seconds()), "-ar", "48000", "-c:a", "libopus", "-b:a", "128k",
		"-flush_packets", "1", "-page_duration", "100000", "-metadata", "artist=DJ", "-metadata", "title=Opus",
		"-content_type", "audio/ogg", "-f", "ogg")
	var np nowPlaying
	if !testenv.Poll(10*time.Second, func() bool {
		np = stationNow(t, base)
		return np.Live && strings.Contains(np.Title+np.Artist, "Opus")
	}) {
		t.Errorf("nowplaying %+v, want the OpusTags title, live; ffmpeg: %s; problems: %q", np, stderr, stationProblems(t, base))
	}
	if err := waitExit(t, src, 15*time.Second); err != nil {
		t.Errorf("ffmpeg sending Opus: %v %s", err, stderr)
	}
	left := time.Now()
	if !testenv.Poll(5*time.Second, func() bool { return !getMixer(t, base).Live }) {
		t.Fatal("still live after the Opus source ended")
	}
	// Long enough for the give-back and a listener's next delivery.
	time.Sleep(time.Until(left.Add(4 * time.Second)))

	if err := rec.alive(); err != nil {
		t.Fatal(err)
	}
	rec.stop()
	audio, titles, _ := rec.snapshot()
	pcm := decodeMono8k(t, audio)
	pos := rec.posAt
	shows := runs(testaudio.Envelope(pcm, pcmRate, liveHz, envWin), liveOn/2)
	t.Logf("3 kHz heard at %v s; the source sent %v of it from %.2f s", shows, showLength, pos(showStart))
	if len(shows) != 1 || math.Abs(shows[0][1]-shows[0][0]-showLength.Seconds()) > 0.5 {
		t.Fatalf("the Opus show was heard at %v s, want once for %v ± 0.5 s; problems: %q", shows, showLength, stationProblems(t, base))
	}
	show := shows[0]
	checkLevel(t, "the Opus show", levelBetween(t, pcm, liveHz, show[0]+0.8, show[1]-0.3), liveOn, 1.5)
	if l := levelBetween(t, pcm, musicHz, show[0]+0.8, show[1]-0.3); l > musicOn/100 {
		t.Errorf("440 Hz at %.1f dB under the show", testaudio.DB(l/musicOn))
	}
	// The AutoDJ is back once the 500 ms crossfade and a delivery are over.
	end := float64(len(pcm)) / pcmRate
	checkLevel(t, "music after the show", levelBetween(t, pcm, musicHz, show[1]+1.5, end), musicOn, 1)
	if l := levelBetween(t, pcm, liveHz, show[1]+1.5, end); l > liveOn/100 {
		t.Errorf("3 kHz still at %.1f dB after the show", testaudio.DB(l/liveOn))
	}
	if !containsTitle(titles, "Opus") {
		t.Errorf("ICY titles %q lack the OpusTags title", titles)
	}
	checkContinuous(t, rec, audio, pcm, musicOn, liveOn, [2]float64{show[1] - 0.5, show[1] + 1.5})
}
