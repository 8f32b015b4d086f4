package main

import (
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// TestShoutcastV1LiveSource proves that a SHOUTcast v1 source (the Winamp
// DSP's handshake on the SHOUTcast port) lands on the station's live
// mount, takes the air with its admin.cgi title, and gives it back when
// it hangs up.
func TestShoutcastV1LiveSource(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	const showLength = 8 * time.Second
	show := filepath.Join(t.TempDir(), "show.mp3")
	if b, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:sample_rate=44100:duration=%g", liveHz, showLength.Seconds()),
		"-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0", "-id3v2_version", "0", show).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, b)
	}
	mp3, err := os.ReadFile(show)
	if err != nil {
		t.Fatal(err)
	}
	base := talkoverStation(t, "    crossfade_ms: 500\n    mixer: {music_level: 0.9}\n")
	musicOn, liveOn := 0.9*sineRef(t, musicHz, 2), 0.9*sineRef(t, liveHz, 2)
	u, _ := url.Parse(base)
	port, _ := strconv.Atoi(u.Port())
	rec := recordAir(t, base, 30*time.Second)
	time.Sleep(2 * time.Second)

	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port+1), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(c, "s0urce\r\n")
	reply := make([]byte, len("OK2\r\nicy-caps:11\r\n\r\n"))
	if _, err := io.ReadFull(c, reply); err != nil || string(reply) != "OK2\r\nicy-caps:11\r\n\r\n" {
		t.Fatalf("handshake: %q %v", reply, err)
	}
	io.WriteString(c, "content-type:audio/mpeg\r\nicy-name:SC DJ\r\nicy-genre:Test\r\nicy-br:128\r\nicy-pub:0\r\n\r\n")
	// Send the show at real time, 200 ms ahead as an encoder's buffer
	// would be; give it a title once it has the air, and look.
	start := time.Now()
	titled, checked := false, false
	for sent := 0; sent < len(mp3); time.Sleep(100 * time.Millisecond) {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("sending %v of show took over 20 s", showLength)
		}
		due := min(len(mp3), int((time.Since(start).Seconds()+0.2)*streamBytesPerSec))
		if _, err := c.Write(mp3[sent:due]); err != nil {
			t.Fatalf("sending the show: %v", err)
		}
		sent = due
		if !titled && time.Since(start) > 2*time.Second {
			titled = true
			resp, err := http.Get(base + "/admin.cgi?pass=s0urce&mode=updinfo&song=SC+Title")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("admin.cgi: %d", resp.StatusCode)
			}
		}
		if !checked && time.Since(start) > 4*time.Second {
			checked = true
			if np := stationNow(t, base); !np.Live || np.Title != "SC Title" {
				t.Errorf("nowplaying during the SHOUTcast show: %+v", np)
			}
			if m := getMixer(t, base); !m.Live {
				t.Errorf("mixer during the SHOUTcast show: %+v", m)
			}
		}
	}
	c.Close()
	hungUp := time.Now()
	if !testenv.Poll(5*time.Second, func() bool { return !getMixer(t, base).Live }) {
		t.Error("still live after the SHOUTcast source hung up")
	}
	time.Sleep(time.Until(hungUp.Add(3 * time.Second)))
	if err := rec.alive(); err != nil {
		t.Fatal(err)
	}
	rec.stop()
	audio, titles, _ := rec.snapshot()
	pcm := decodeMono8k(t, audio)
	// The whole show was heard, in one piece, at full level.
	shows := runs(testaudio.Envelope(pcm, pcmRate, liveHz, envWin), liveOn/2)
	t.Logf("3 kHz heard at %v s; the source sent %v of it from %.2f s", shows, showLength, rec.posAt(start))
	if len(shows) != 1 || math.Abs(shows[0][1]-shows[0][0]-showLength.Seconds()) > 0.5 {
		t.Fatalf("the SHOUTcast show was heard at %v s, want once for %v ± 0.5 s", shows, showLength)
	}
	checkLevel(t, "the SHOUTcast show", levelBetween(t, pcm, liveHz, shows[0][0]+0.8, shows[0][1]-0.3), liveOn, 1)
	end := float64(len(pcm)) / pcmRate
	checkLevel(t, "music after the show", levelBetween(t, pcm, musicHz, end-1, end), musicOn, 1)
	if !containsTitle(titles, "SC Title") {
		t.Errorf("ICY titles %q lack the SHOUTcast title", titles)
	}
	checkContinuous(t, rec, audio, pcm, musicOn, liveOn, [2]float64{shows[0][1] - 0.5, shows[0][1] + 1.5})
}
