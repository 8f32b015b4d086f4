package main

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// TestLiveOggVorbisTitlesAndRefusals proves that an Ogg Vorbis source is
// heard and its comment title becomes the station's; that AAC (declared
// and sent) is refused with the reason in the station's problems while the
// AutoDJ plays on; and that the listener never loses the stream. (Ogg Opus
// is heard too: TestLiveOggOpusTakesOverAndGivesBack.)
func TestLiveOggVorbisTitlesAndRefusals(t *testing.T) {
	base := talkoverStation(t, "    crossfade_ms: 500\n    mixer: {music_level: 0.9}\n")
	musicOn, liveOn := 0.9*sineRef(t, musicHz, 2), 0.9*sineRef(t, liveHz, 2)
	rec := recordAir(t, base, 45*time.Second)
	time.Sleep(2 * time.Second)

	// ffmpeg's Ogg muxer sends a page a second (its page_duration), so
	// the show arrives in bursts of a second: a DJ with ffmpeg's defaults
	// must be heard all the same.
	const vorbisLength = 6 * time.Second
	vorbisStart := time.Now()
	src, stderr := liveSource(t, base, "-t", fmt.Sprint(vorbisLength.Seconds()), "-c:a", "libvorbis", "-q:a", "5", "-flush_packets", "1",
		"-metadata", "artist=DJ", "-metadata", "title=Vorbis", "-content_type", "audio/ogg", "-f", "ogg")
	var np nowPlaying
	if !testenv.Poll(10*time.Second, func() bool {
		np = stationNow(t, base)
		return np.Live && strings.Contains(np.Title+np.Artist, "Vorbis")
	}) {
		t.Errorf("nowplaying %+v, want the Vorbis comment's title, live; ffmpeg: %s", np, stderr)
	}
	if !strings.Contains(np.Title+" "+np.Artist, "DJ") {
		t.Errorf("nowplaying %+v lacks the artist", np)
	}
	if err := waitExit(t, src, 15*time.Second); err != nil {
		t.Errorf("ffmpeg sending Vorbis: %v %s", err, stderr)
	}
	if !testenv.Poll(5*time.Second, func() bool { return !getMixer(t, base).Live }) {
		t.Fatal("still live after the Vorbis source ended")
	}

	// AAC is refused at connect, by its declared type.
	time.Sleep(2 * time.Second)
	refusals := time.Now()
	req, _ := http.NewRequest("PUT", base+"/live", strings.NewReader(""))
	req.SetBasicAuth("source", "s0urce")
	req.Header.Set("Content-Type", "audio/aac")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 415 || !strings.Contains(string(body), "AAC") {
		t.Errorf("PUT audio/aac: %d %q, want 415 naming AAC", resp.StatusCode, body)
	}
	aac, stderr := liveSource(t, base, "-t", "5", "-c:a", "aac", "-content_type", "audio/aac", "-f", "adts")
	if err := waitExit(t, aac, 10*time.Second); err == nil {
		t.Errorf("ffmpeg sending AAC was not refused: %s", stderr)
	}
	if p := stationProblems(t, base); !strings.Contains(p, "AAC") {
		t.Errorf("problems after an AAC source: %q", p)
	}
	if m := getMixer(t, base); m.Live {
		t.Errorf("a refused source went live: %+v", m)
	}
	time.Sleep(time.Second)
	refusalsEnd := time.Now()

	if err := rec.alive(); err != nil {
		t.Fatal(err)
	}
	rec.stop()
	audio, _, _ := rec.snapshot()
	pcm := decodeMono8k(t, audio)
	pos := rec.posAt
	// The Vorbis show was heard whole, in one piece, at full level once
	// it had the air.
	shows := runs(testaudio.Envelope(pcm, pcmRate, liveHz, envWin), liveOn/2)
	t.Logf("3 kHz heard at %v s; the source sent %v of it from %.2f s", shows, vorbisLength, pos(vorbisStart))
	if len(shows) != 1 || math.Abs(shows[0][1]-shows[0][0]-vorbisLength.Seconds()) > 0.5 {
		t.Fatalf("the Vorbis show was heard at %v s, want once for %v ± 0.5 s", shows, vorbisLength)
	}
	show := shows[0]
	checkLevel(t, "the Vorbis show", levelBetween(t, pcm, liveHz, show[0]+0.8, show[1]-0.3), liveOn, 1.5)
	// Through the refusals, the AutoDJ alone. What the listener had when
	// they began can lag what was on air by a delivery (a second), so the
	// span starts no earlier than a second after the show was last heard
	// at half its level: its 500 ms give-back is over by then.
	during := [2]float64{max(pos(refusals)-0.5, show[1]+1), pos(refusalsEnd)}
	checkLevel(t, "music through the refusals", levelBetween(t, pcm, musicHz, during[0], during[1]), musicOn, 1)
	if l := levelBetween(t, pcm, liveHz, during[0], during[1]); l > liveOn/100 {
		t.Errorf("3 kHz at %.1f dB during the refusals (%.2f–%.2f s)", testaudio.DB(l/liveOn), during[0], during[1])
	}
	checkContinuous(t, rec, audio, pcm, musicOn, liveOn, [2]float64{show[1] - 0.5, show[1] + 1.5})
}
