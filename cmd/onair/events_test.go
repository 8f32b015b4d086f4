package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

type sseEvent struct {
	name string
	data string
	at   time.Time
}

// readEvents reads Server-Sent Events from url as the admin for d.
func readEvents(t *testing.T, url string, d time.Duration, during func(time.Duration)) []sseEvent {
	t.Helper()
	return readEventsUntil(t, url, d, during, nil)
}

// readEventsUntil is readEvents that also stops once stop, when set,
// returns true for an event.
func readEventsUntil(t *testing.T, url string, d time.Duration, during func(time.Duration), stop func(sseEvent) bool) []sseEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.SetBasicAuth("admin", "adm1n")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	start := time.Now()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		case line == "" && cur.name != "":
			cur.at = time.Now()
			out = append(out, cur)
			if stop != nil && stop(cur) {
				return out
			}
			cur = sseEvent{}
		}
		if during != nil {
			during(time.Since(start))
		}
	}
	return out
}

// streamListeners is /status-json.xsl's count of listeners on /stream.
func streamListeners(t *testing.T, base string) int {
	t.Helper()
	var st struct {
		Icestats struct {
			Source []struct {
				Listenurl string
				Listeners int
			}
		}
	}
	getJSON(t, "GET", base+"/status-json.xsl", &st)
	for _, s := range st.Icestats.Source {
		if strings.HasSuffix(s.Listenurl, "/stream") {
			return s.Listeners
		}
	}
	return -1
}

// TestEventsStream: GET /api/events sends the station's now playing,
// listener count and mixer state at once and again as they change, and
// its meters at least ten times a second; a Push to Talk press shows as a
// mixer event; anonymous requests are refused.
func TestEventsStream(t *testing.T) {
	music := t.TempDir()
	makeTones(t, music, 30, 500)
	yaml := fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    loudness_target: \"off\"\n    media_dirs: [%q]\n    mixer:\n      music_fade_ms: 200\n", music)
	base := runBinary(t, yaml)
	if resp, err := http.Get(base + "/api/events"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous events: %v %v", resp.StatusCode, err)
	}
	// A listener, so that the music plays at a level and is counted.
	lresp, err := http.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer lresp.Body.Close()
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := lresp.Body.Read(buf); err != nil {
				return
			}
		}
	}()
	// Counted once it has stayed a second (count_after), at a writer's
	// wake-up.
	if !testenv.Poll(20*time.Second, func() bool { return streamListeners(t, base) == 1 }) {
		t.Fatalf("the listener was not counted within 20 s: %d listeners", streamListeners(t, base))
	}
	pressed := false
	events := readEvents(t, base+"/api/events?station=main", 3*time.Second, func(d time.Duration) {
		if !pressed && d > 1500*time.Millisecond {
			pressed = true
			sendJSON(t, "POST", base+"/api/stations/main/mixer/ptt", map[string]bool{"on": true}, nil)
		}
	})
	count := map[string]int{}
	var firstMeters, lastMeters time.Time
	var meterGaps []time.Duration
	talking := false
	var peaks []float64
	for _, e := range events {
		count[e.name]++
		var v map[string]any
		if err := json.Unmarshal([]byte(e.data), &v); err != nil {
			t.Fatalf("%s: %v in %s", e.name, err, e.data)
		}
		if v["station"] != "main" {
			t.Errorf("%s without its station: %s", e.name, e.data)
		}
		switch e.name {
		case "meters":
			if firstMeters.IsZero() {
				firstMeters = e.at
			} else {
				meterGaps = append(meterGaps, e.at.Sub(lastMeters))
			}
			lastMeters = e.at
			peaks = append(peaks, v["music"].(map[string]any)["peak_db"].(float64))
			for _, ch := range []string{"mic", "live", "out", "mic_input"} {
				if _, ok := v[ch].(map[string]any)["rms_db"]; !ok {
					t.Errorf("meters without %s: %s", ch, e.data)
				}
			}
		case "mixer":
			if v["talking"] == true {
				talking = true
			}
		case "listeners":
			if v["listeners"].(float64) < 1 {
				t.Errorf("listeners event %s with one listener connected", e.data)
			}
		case "nowplaying":
			if !strings.Contains(e.data, "Tone 500") {
				t.Errorf("now playing %s", e.data)
			}
		}
	}
	// The tone peaks at -21.5 dBFS (ffmpeg's sine at 1/8, upmixed to two
	// channels at -3 dB; loudness_target is off, so it plays at that) under
	// Music Level 0.9; talk ducks it to 0.3.
	if len(peaks) < 20 || math.Abs(peaks[0]-(-21.5+20*math.Log10(0.9))) > 0.5 ||
		math.Abs(peaks[len(peaks)-1]-peaks[0]-20*math.Log10(0.3/0.9)) > 0.5 {
		t.Errorf("music peaks %v", peaks)
	}
	// The pace, judged by the median gap between meters events: a loaded
	// machine may hold up a few, which must not fail the test, but a
	// stream that sends them slower than ten a second moves the median.
	slices.Sort(meterGaps)
	span := lastMeters.Sub(firstMeters).Seconds()
	t.Logf("%d meters events over %.2f s: %.1f a second", count["meters"], span, float64(count["meters"]-1)/span)
	if len(meterGaps) < 10 {
		t.Errorf("%d meters events in 3 s, want about 30", count["meters"])
	} else if median := meterGaps[len(meterGaps)/2]; median > 120*time.Millisecond {
		t.Errorf("meters events: median gap %v of %d, want 100 ms (ten a second)", median, len(meterGaps))
	}
	if count["nowplaying"] < 1 || count["listeners"] < 1 || count["mixer"] < 2 || !talking {
		t.Errorf("events %v, talking seen %v", count, talking)
	}
}
