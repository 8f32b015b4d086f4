package main

import (
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"onair/internal/testaudio"
)

type mixerState struct {
	MusicLevel   float64 `json:"music_level"`
	BGLevel      float64 `json:"bg_level"`
	MicLevel     float64 `json:"mic_level"`
	MusicFadeMS  int     `json:"music_fade_ms"`
	MicFadeMS    int     `json:"mic_fade_ms"`
	PTTOnStartup bool    `json:"ptt_on_startup"`
	PTT, Lock    bool
	Talking      bool
	Gains        struct{ Music, Mic float64 }
}

// TestPushToTalkDucksTheMusic: on the real binary, Push to Talk ducks
// what listeners hear from Music Level to BG Level; levels saved with
// PATCH survive a restart; Lock holds talk on through a release.
func TestPushToTalkDucksTheMusic(t *testing.T) {
	music := t.TempDir()
	makeTones(t, music, 40, 500)
	bin := buildBinary(t)
	dir := t.TempDir()
	yaml := fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    media_dirs: [%q]\n    mixer:\n      music_level: 0.9\n      bg_level: 0.3\n      music_fade_ms: 500\n", music)
	cmd, base := startAt(t, bin, dir, yaml)

	var m mixerState
	if code := getJSON(t, "GET", base+"/api/stations/main/mixer", &m); code != 200 || m.MusicLevel != 0.9 || m.BGLevel != 0.3 || m.MusicFadeMS != 500 || m.Talking {
		t.Fatalf("mixer: %d %+v", code, m)
	}
	// Listen: the burst and the next seconds are at Music Level.
	resp, err := http.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Press after 3 s; keep listening 4 s after the press was answered,
	// however late that was, so the last 2 s are past the fade.
	var audio []byte
	buf := make([]byte, 8192)
	start := time.Now()
	var pressed time.Time
	for pressed.IsZero() || time.Since(pressed) < 4*time.Second {
		if time.Since(start) > 30*time.Second {
			t.Fatal("listened for 30 s")
		}
		n, err := resp.Body.Read(buf)
		audio = append(audio, buf[:n]...)
		if err != nil {
			t.Fatal(err)
		}
		if pressed.IsZero() && time.Since(start) > 3*time.Second {
			if code := sendJSON(t, "POST", base+"/api/stations/main/mixer/ptt", map[string]bool{"on": true}, &m); code != 200 || !m.PTT || !m.Talking {
				t.Fatalf("ptt on: %d %+v", code, m)
			}
			pressed = time.Now()
		}
	}
	resp.Body.Close()
	pcm := decodeMono8k(t, audio)
	level := func(from, to int) float64 { return testaudio.Level(pcm[from:to], 8000, 500) }
	before := level(8000, 3*8000)               // within the burst: before the press
	after := level(len(pcm)-2*8000, len(pcm)-1) // the last 2 s: ducked
	if d := 20 * math.Log10(after/before/(0.3/0.9)); math.Abs(d) > 1 {
		t.Errorf("ducked music at %.3f of its level before, want %.3f ± 1 dB", after/before, 0.3/0.9)
	}
	getJSON(t, "GET", base+"/api/stations/main/mixer", &m)
	// No microphone is configured: its gain stays at nothing.
	if math.Abs(m.Gains.Music-0.3) > 1e-6 || m.Gains.Mic != 0 {
		t.Errorf("gains after the fade: %+v", m.Gains)
	}

	// Lock holds talk on through a release; releasing Lock ends talk.
	sendJSON(t, "POST", base+"/api/stations/main/mixer/lock", map[string]bool{"on": true}, &m)
	sendJSON(t, "POST", base+"/api/stations/main/mixer/ptt", map[string]bool{"on": false}, &m)
	if !m.Lock || !m.Talking || !m.PTT {
		t.Errorf("PTT release under Lock: %+v", m)
	}
	sendJSON(t, "POST", base+"/api/stations/main/mixer/lock", map[string]bool{"on": false}, &m)
	if m.Lock || m.Talking {
		t.Errorf("after Lock off: %+v", m)
	}

	// Bad values are refused; good ones are saved and survive a restart.
	var e struct{ Error string }
	for _, body := range []map[string]any{{"music_level": 1.5}, {"mic_fade_ms": 9000}, {"musik_level": 0.5}} {
		if code := sendJSON(t, "PATCH", base+"/api/stations/main/mixer", body, &e); code != 400 || e.Error == "" {
			t.Errorf("PATCH %v: %d %q", body, code, e.Error)
		}
	}
	if code := sendJSON(t, "PATCH", base+"/api/stations/main/mixer", map[string]any{"bg_level": 0.2, "mic_fade_ms": 800, "ptt_on_startup": true}, &m); code != 200 || m.BGLevel != 0.2 || m.MicFadeMS != 800 {
		t.Fatalf("PATCH: %d %+v", code, m)
	}
	if code := sendJSON(t, "POST", base+"/api/stations/main/mixer/ptt", map[string]any{}, &e); code != 400 {
		t.Errorf("ptt without on: %d", code)
	}
	cmd.Process.Kill()
	cmd.Wait()
	_, base = startAt(t, bin, dir, yaml)
	getJSON(t, "GET", base+"/api/stations/main/mixer", &m)
	if m.BGLevel != 0.2 || m.MicFadeMS != 800 || m.MusicLevel != 0.9 || !m.PTTOnStartup || !m.Lock || !m.Talking {
		t.Errorf("after a restart: %+v (want the saved levels, and Lock on from ptt_on_startup)", m)
	}
}
