package startup

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"onair/config"
	"onair/internal/leakcheck"
	"onair/internal/testenv"
)

// adminGet GETs path as the admin and returns the status and body.
func adminGet(addr, path string) (int, string) {
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.SetBasicAuth("admin", "adm1n-pw")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestStationOutputServedAsAMount: a station's output is a mount like
// its own: listeners hear it and its max_listeners holds, sources are
// refused there, and it shows in /api/stations, /status-json.xsl, the
// relay list, /metrics, its .m3u and its HLS playlist.
func TestStationOutputServedAsAMount(t *testing.T) {
	leakcheck.Check(t) // Run leaves nothing running once it returns
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.ShoutcastPort = 0
	cfg.DataDir = t.TempDir()
	cfg.AdminPassword, cfg.SourcePassword = "adm1n-pw", "s0urce-pw"
	cfg.HLSSegmentSeconds = 2
	cfg.Stations[0].MediaDirs = []string{t.TempDir()}
	// 128 kbps at 48 kHz: shine can make it where LAME is missing.
	const mount = "/stream-b.mp3"
	cfg.Stations[0].Outputs = []config.Output{{Mount: mount, Codec: config.CodecMP3, Bitrate: 128, SampleRate: 48000, MaxListeners: 1}}
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, Options{Version: "test", Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	addr := waitOnAir(t, &stderr, done)

	l := openListener(t, addr, mount)
	l.grows(t, mount, 20000)
	if got := listenStatus(t, addr, mount); strings.Contains(got, " 200") {
		t.Errorf("a second listener on %s with max_listeners 1: %q", mount, got)
	}
	if got := sourceStatus(t, addr, mount, "s0urce-pw"); strings.Contains(got, " 200") {
		t.Errorf("a source on the output %s: %q", mount, got)
	}

	type outputJSON struct {
		Mount         string `json:"mount"`
		Codec         string `json:"codec"`
		Bitrate       int    `json:"bitrate"`
		SampleRate    int    `json:"sample_rate"`
		Listeners     int    `json:"listeners"`
		DroppedBlocks *int64 `json:"dropped_blocks"`
	}
	var stations []struct {
		Outputs []outputJSON `json:"outputs"`
	}
	// A listener counts once it has stayed a moment.
	if !testenv.Poll(10*time.Second, func() bool {
		adminJSON(t, addr, "/api/stations", &stations)
		return len(stations) == 1 && len(stations[0].Outputs) == 1 && stations[0].Outputs[0].Listeners == 1
	}) {
		t.Fatalf("/api/stations: %+v, want the output with its listener", stations)
	}
	o := stations[0].Outputs[0]
	if o.Mount != mount || o.Codec != "mp3" || o.Bitrate != 128 || o.SampleRate != 48000 || o.DroppedBlocks == nil || *o.DroppedBlocks != 0 {
		t.Errorf("/api/stations output: %+v", o)
	}

	var status struct {
		Icestats struct {
			Source []struct {
				ListenURL  string `json:"listenurl"`
				Listeners  int    `json:"listeners"`
				SampleRate int    `json:"samplerate"`
			} `json:"source"`
		} `json:"icestats"`
	}
	adminJSON(t, addr, "/status-json.xsl", &status)
	found := false
	for _, s := range status.Icestats.Source {
		if strings.HasSuffix(s.ListenURL, mount) {
			found = s.Listeners == 1 && s.SampleRate == 48000
		}
	}
	if !found {
		t.Errorf("status-json.xsl does not show %s at 48 kHz with its listener: %+v", mount, status.Icestats.Source)
	}
	// /api/nowplaying tells the output from the station's own mount, so
	// that the public page shows one card per station.
	var nps []struct {
		Station string `json:"station"`
		Mount   string `json:"mount"`
		Output  bool   `json:"output"`
	}
	adminJSON(t, addr, "/api/nowplaying", &nps)
	kinds := map[string]bool{}
	for _, np := range nps {
		if np.Station == "main" {
			kinds[np.Mount] = np.Output
		}
	}
	if out, ok := kinds[mount]; !ok || !out || kinds["/stream"] || len(kinds) != 2 {
		t.Errorf("/api/nowplaying: %+v, want /stream and %s of station main, only the latter an output", nps, mount)
	}
	if code, body := adminGet(addr, "/admin/streamlist.txt"); code != 200 || !strings.Contains(body, mount+"\r\n") {
		t.Errorf("streamlist.txt: %d %q", code, body)
	}
	if code, body := adminGet(addr, "/metrics"); code != 200 || !strings.Contains(body, `onair_encoder_dropped_blocks_total{mount="`+mount+`"} 0`) {
		t.Errorf("/metrics has no dropped-blocks counter for %s (status %d)", mount, code)
	}
	if code, body := adminGet(addr, mount+".m3u"); code != 200 || !strings.Contains(body, mount) {
		t.Errorf("%s.m3u: %d %q", mount, code, body)
	}
	// The first HLS segment is cut once the output has made 2 s of audio.
	var code int
	var body string
	if !testenv.Poll(15*time.Second, func() bool {
		code, body = adminGet(addr, mount+".m3u8")
		return code == 200 && strings.Contains(body, "#EXTINF")
	}) {
		t.Errorf("%s.m3u8: %d %q", mount, code, body)
	}
}

// listenStatus asks for mount as a player and returns the status line.
func listenStatus(t *testing.T, addr, mount string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(c, "GET "+mount+" HTTP/1.0\r\nUser-Agent: outputs-test\r\n\r\n")
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}
