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

// TestLiveOggFLACTakesOverAndGivesBack proves that an Ogg FLAC source
// (ffmpeg, Icecast PUT as audio/ogg) on the live mount is heard on the
// station's MP3 stream, whole and at its level, with its comment title
// as the station's; and that the AutoDJ comes back when the DJ leaves,
// the listener's one connection carrying audio throughout.
func TestLiveOggFLACTakesOverAndGivesBack(t *testing.T) {
	const crossfade = 500 * time.Millisecond
	base := talkoverStation(t, fmt.Sprintf("    crossfade_ms: %d\n    mixer: {music_level: 0.9}\n", crossfade.Milliseconds()))
	musicOn, liveOn := 0.9*sineRef(t, musicHz, 2), 0.9*sineRef(t, liveHz, 2)
	rec := recordAir(t, base, 40*time.Second)
	time.Sleep(time.Until(rec.start.Add(3 * time.Second)))

	const showLength = 6 * time.Second
	start := time.Now()
	src, stderr := liveSource(t, base, "-t", fmt.Sprint(showLength.Seconds()), "-c:a", "flac", "-flush_packets", "1",
		"-metadata", "artist=DJ", "-metadata", "title=Lossless", "-content_type", "audio/ogg", "-f", "ogg")
	var np nowPlaying
	if !testenv.Poll(10*time.Second, func() bool {
		np = stationNow(t, base)
		return np.Live && strings.Contains(np.Title+np.Artist, "Lossless")
	}) {
		t.Errorf("nowplaying %+v, want the FLAC comment's title, live; ffmpeg: %s", np, stderr)
	}
	if !strings.Contains(np.Title+" "+np.Artist, "DJ") {
		t.Errorf("nowplaying %+v lacks the artist", np)
	}
	if err := waitExit(t, src, 15*time.Second); err != nil {
		t.Errorf("ffmpeg sending Ogg FLAC: %v %s", err, stderr)
	}
	left := time.Now()
	if !testenv.Poll(5*time.Second, func() bool { return !getMixer(t, base).Live }) {
		t.Fatal("still live after the FLAC source ended")
	}
	// What a listener hears lags the air by the live channel's buffer
	// and a delivery: give the AutoDJ's return time to reach them.
	time.Sleep(time.Until(left.Add(7 * time.Second)))
	if np := stationNow(t, base); np.Live || strings.Contains(np.Title, "Lossless") {
		t.Errorf("nowplaying after the show: %+v", np)
	}
	if err := rec.alive(); err != nil {
		t.Fatal(err)
	}
	rec.stop()
	audio, _, _ := rec.snapshot()
	pcm := decodeMono8k(t, audio)
	pos := rec.posAt

	checkLevel(t, "music before the show", levelBetween(t, pcm, musicHz, pos(start)-2, pos(start)), musicOn, 1)
	// The show was heard whole, in one piece, at full level once it had
	// the air.
	shows := runs(testaudio.Envelope(pcm, pcmRate, liveHz, envWin), liveOn/2)
	t.Logf("3 kHz heard at %v s; the source sent %v of it from %.2f s", shows, showLength, pos(start))
	if len(shows) != 1 || math.Abs(shows[0][1]-shows[0][0]-showLength.Seconds()) > 0.5 {
		t.Fatalf("the FLAC show was heard at %v s, want once for %v ± 0.5 s", shows, showLength)
	}
	show := shows[0]
	checkLevel(t, "the FLAC show", levelBetween(t, pcm, liveHz, show[0]+0.8, show[1]-0.3), liveOn, 1.5)
	if l := levelBetween(t, pcm, musicHz, show[0]+0.8, show[1]-0.3); l > musicOn/100 {
		t.Errorf("440 Hz at %.1f dB during the show", testaudio.DB(l/musicOn))
	}
	// The AutoDJ back, alone, once the give-back is over.
	end := float64(len(pcm)) / pcmRate
	checkLevel(t, "music after the show", levelBetween(t, pcm, musicHz, show[1]+1.5, end), musicOn, 1)
	if l := levelBetween(t, pcm, liveHz, show[1]+1.5, end); l > liveOn/100 {
		t.Errorf("3 kHz still at %.1f dB after the show", testaudio.DB(l/liveOn))
	}
	checkContinuous(t, rec, audio, pcm, musicOn, liveOn, [2]float64{show[1] - 0.5, show[1] + 1.5})
}
