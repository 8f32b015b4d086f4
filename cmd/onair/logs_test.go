//go:build unix

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// apiErrorLine and apiAccessLine are GET /api/logs's entries.
type apiErrorLine struct {
	Seq                   uint64
	Time                  time.Time
	Level, Message, Attrs string
}

type apiAccessLine struct {
	Seq  uint64
	Time time.Time
	Line string
}

// loggedAt is when the server last logged message, by its error log's
// clock; it fails the test when the message is not there.
func loggedAt(t *testing.T, base, message string) time.Time {
	t.Helper()
	var lines []apiErrorLine
	getJSON(t, "GET", base+"/api/logs?kind=error&limit=1000", &lines)
	var at time.Time
	for _, l := range lines {
		if l.Message == message && l.Time.After(at) {
			at = l.Time
		}
	}
	if at.IsZero() {
		t.Fatalf("the error log lacks %q: %+v", message, lines)
	}
	return at
}

// visitListener plays mount as a listener whose player is agent: it reads
// the answer's first bytes and hangs up, so that the server logs the
// connection as it ends.
func visitListener(base, mount, agent string) error {
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.0\r\nUser-Agent: %s\r\n\r\n", mount, agent)
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, " 200") {
		return fmt.Errorf("GET %s as %q: %q, %v", mount, agent, status, err)
	}
	_, err = br.Peek(4096) // some audio, then leave
	return err
}

// followEvents reads Server-Sent Events from url as the admin until the
// test ends; the channel closes when the stream does.
func followEvents(t *testing.T, url string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.SetBasicAuth("admin", "adm1n")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		cancel()
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	out := make(chan sseEvent, 256)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
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
				select {
				case out <- cur:
				case <-ctx.Done():
					return
				}
				cur = sseEvent{}
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return out
}

// findAccessLine polls GET /api/logs?kind=access for up to 20 s for the
// line that names agent.
func findAccessLine(t *testing.T, base, agent string) apiAccessLine {
	t.Helper()
	var found *apiAccessLine
	if testenv.Poll(20*time.Second, func() bool {
		var lines []apiAccessLine
		getJSON(t, "GET", base+"/api/logs?kind=access&limit=1000", &lines)
		for i, l := range lines {
			if strings.Contains(l.Line, agent) {
				found = &lines[i]
				break
			}
		}
		return found != nil
	}) {
		return *found
	}
	t.Fatalf("no access line names %q within 20 s", agent)
	return apiAccessLine{}
}

// TestLogsOnTheBinary: the error log's startup lines and a refused
// source's warning show in GET /api/logs?kind=error; a listener's visit
// shows in kind=access as the access_log file's line, and reaches an
// admin following /api/events?logs=access as a `log` event within a few
// seconds, on a stream that carries nothing else. A DJ is refused both.
func TestLogsOnTheBinary(t *testing.T) {
	music := t.TempDir() // no music: the station plays silence, which is enough to listen to
	accessPath := filepath.Join(t.TempDir(), "access.log")
	yaml := fmt.Sprintf("access_log: %q\nstations:\n  - id: main\n    mount: /stream\n    live_mount: /live\n    media_dirs: [%q]\n", accessPath, music)
	base := runBinary(t, yaml)

	// The server logs "on air" as it starts serving: it may still be
	// on its way when the first request has been answered.
	var errs []apiErrorLine
	var onAir *apiErrorLine
	testenv.Poll(20*time.Second, func() bool {
		errs = nil
		getJSON(t, "GET", base+"/api/logs?kind=error", &errs)
		for i, e := range errs {
			if e.Message == "on air" {
				onAir = &errs[i]
			}
		}
		return onAir != nil
	})
	if onAir == nil || onAir.Level != "INFO" || !strings.Contains(onAir.Attrs, "listen=127.0.0.1:") || time.Since(onAir.Time) > time.Minute {
		t.Fatalf("the error log lacks the startup line \"on air\": %+v", errs)
	}

	events := followEvents(t, base+"/api/events?logs=access")
	const agent = `logs-test/1 "quoted" <img src=x onerror=alert(1)>`
	if err := visitListener(base, "/stream", agent); err != nil {
		t.Fatal(err)
	}
	// The visit is logged when the server sees the listener gone, at a
	// writer's wake-up (once a second); a loaded machine may take longer.
	var live map[string]any
	deadline := time.After(20 * time.Second)
	for live == nil {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the events stream ended")
			}
			if ev.name != "log" {
				t.Fatalf("a %q event on a stream of access log events alone: %s", ev.name, ev.data)
			}
			var d map[string]any
			if err := json.Unmarshal([]byte(ev.data), &d); err != nil {
				t.Fatalf("log event %s: %v", ev.data, err)
			}
			if line, _ := d["line"].(string); strings.Contains(line, "logs-test/1") {
				live = d
			}
		case <-deadline:
			t.Fatal("no log event for the listener within 20 s of its visit")
		}
	}
	got := findAccessLine(t, base, "logs-test/1")
	if live["kind"] != "access" || live["seq"] != float64(got.Seq) || live["line"] != got.Line {
		t.Errorf("the log event %v is not GET /api/logs's entry %+v", live, got)
	}
	if !strings.HasPrefix(got.Line, `127.0.0.1 - - [`) || !strings.Contains(got.Line, `"GET /stream HTTP/1.0" 200 `) ||
		!strings.Contains(got.Line, `"logs-test/1 \"quoted\" <img src=x onerror=alert(1)>"`) {
		t.Errorf("access line %q", got.Line)
	}
	// The same line, byte for byte, as the access_log file holds.
	var file []byte
	testenv.Poll(20*time.Second, func() bool {
		file, _ = os.ReadFile(accessPath)
		return strings.Contains(string(file), "logs-test/1")
	})
	if !strings.Contains(string(file), got.Line+"\n") {
		t.Errorf("access_log file lacks the line %q:\n%s", got.Line, file)
	}

	if status := sourceStatus(t, base, "/live", "source", "wrong-password"); strings.Contains(status, " 200") {
		t.Fatalf("a source with a wrong password was let in: %s", status)
	}
	var warn *apiErrorLine
	testenv.Poll(20*time.Second, func() bool {
		var after []apiErrorLine
		getJSON(t, "GET", fmt.Sprintf("%s/api/logs?kind=error&after=%d", base, onAir.Seq), &after)
		for j, e := range after {
			if e.Seq <= onAir.Seq {
				t.Fatalf("after=%d answered entry %d", onAir.Seq, e.Seq)
			}
			if strings.Contains(e.Message, "bad password") {
				warn = &after[j]
			}
		}
		return warn != nil
	})
	if warn == nil {
		t.Fatal("no warning for the refused source in the error log within 20 s")
	}
	if warn.Level != "WARN" || !strings.Contains(warn.Attrs, "mount=/live") || !strings.Contains(warn.Attrs, "user=source") {
		t.Errorf("the refused source's warning: %+v", warn)
	}

	admin := apiAs{user: "admin", pass: "adm1n"}
	if resp := admin.call(t, "POST", base+"/api/accounts", map[string]string{"username": "dj.lee", "password": "lee-pass-1", "role": "dj"}, nil); resp.StatusCode != 201 {
		t.Fatalf("create the DJ account: %d", resp.StatusCode)
	}
	dj := apiAs{user: "dj.lee", pass: "lee-pass-1"}
	for _, path := range []string{"/api/logs?kind=error", "/api/events?logs=access"} {
		var e struct{ Error string }
		if resp := dj.call(t, "GET", base+path, nil, &e); resp.StatusCode != 403 || e.Error != "admins only" {
			t.Errorf("GET %s as a DJ: %d %q, want 403 admins only", path, resp.StatusCode, e.Error)
		}
	}
}

// logsResult is the JSON line e2e/logs.mjs prints.
type logsResult struct {
	OK      bool     `json:"ok"`
	Error   string   `json:"error"`
	Steps   []string `json:"steps"`
	Console []string `json:"console"`
	Dialogs []string `json:"dialogs"`
	Errors  struct {
		Lines                 int
		OnAir, Warn           string
		WarnColor, InfoColor  string
		WarnLevel, OnAirLevel string
		Filter                string
		Visible, Matching     int
		OnAirHidden           bool
		FilterStatus          string
	} `json:"errors"`
	Access struct {
		Line1            string
		Line1Last        bool
		Imgs             int
		ServerHad2       bool
		ShownWhilePaused bool
		PausedStatus     string
		Line2            string
		TabSelected      string
	} `json:"access"`
	Phone struct {
		ScrollWidth, BoxWidth float64
	} `json:"phone"`
}

// TestLogsConsoleInABrowser: in headless Chromium the admin opens Logs
// and sees the error log's startup line, and a refused source's warning
// coloured apart from it; the filter box narrows the lines; on the Access
// tab, a listener that this test makes while the page is open appears
// live, its markup user agent as text; while paused, the next listener's
// line waits, and shows on resume. The page fits a phone's 390 px.
// ONAIR_E2E_SHOTS=/dir keeps screenshots (logs-*.png).
func TestLogsConsoleInABrowser(t *testing.T) {
	dir, node := testenv.E2EDir(t, "../..")
	music := t.TempDir()
	base := runBinary(t, fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    live_mount: /live\n    media_dirs: [%q]\n", music))
	if status := sourceStatus(t, base, "/live", "source", "wrong-password"); strings.Contains(status, " 200") {
		t.Fatalf("a source with a wrong password was let in: %s", status)
	}

	// The script writes ready-N in signals when it waits for listener N;
	// this goroutine then makes that listener's visit.
	signals := t.TempDir()
	agents := []string{"logs-e2e-1 <img src=x onerror=alert(1)>", "logs-e2e-2"}
	stop := make(chan struct{})
	visits := make(chan error, len(agents))
	go func() {
		for i, agent := range agents {
			ready := filepath.Join(signals, fmt.Sprintf("ready-%d", i+1))
			for {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				select {
				case <-stop:
					visits <- errors.New("the script never asked for listener " + agent)
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
			visits <- visitListener(base, "/stream", agent)
		}
	}()
	var res logsResult
	err := testenv.RunScript(t, node, dir, "logs.mjs", 120*time.Second, &res, base, "admin", "adm1n", signals, agents[0], agents[1])
	close(stop)
	for range agents {
		if verr := <-visits; verr != nil {
			t.Errorf("listener visit: %v", verr)
		}
	}
	if err != nil || !res.OK {
		t.Fatalf("the logs console test failed (exit %v): %s\nsteps %v\nconsole %q", err, res.Error, res.Steps, res.Console)
	}

	// The figures are checked again here, so that a script that says ok
	// without checking fails the test.
	if len(res.Steps) != 6 {
		t.Errorf("steps %v", res.Steps)
	}
	e := res.Errors
	if e.Lines < 2 || !strings.Contains(e.OnAir, "on air") || !strings.Contains(e.OnAir, "listen=127.0.0.1:") || e.OnAirLevel != "INFO" {
		t.Errorf("error log: %d lines, startup line %q (%s)", e.Lines, e.OnAir, e.OnAirLevel)
	}
	if !strings.Contains(e.Warn, "bad password") || e.WarnLevel != "WARN" || e.WarnColor == "" || e.WarnColor == e.InfoColor {
		t.Errorf("warning %q level %q coloured %q, info coloured %q: want a WARN line in its own colour", e.Warn, e.WarnLevel, e.WarnColor, e.InfoColor)
	}
	if e.Visible < 1 || e.Visible != e.Matching || !e.OnAirHidden || !strings.Contains(e.FilterStatus, "match") {
		t.Errorf("filter %q: %d lines visible, %d of them matching, startup line hidden %v, status %q", e.Filter, e.Visible, e.Matching, e.OnAirHidden, e.FilterStatus)
	}
	// The page shows the server's line verbatim, markup as text.
	want := findAccessLine(t, base, "logs-e2e-1").Line
	a := res.Access
	if a.TabSelected != "true" || a.Line1 != want || !a.Line1Last || a.Imgs != 0 {
		t.Errorf("Access tab selected %q; its line on the page %q (last %v, %d img elements), the server's %q", a.TabSelected, a.Line1, a.Line1Last, a.Imgs, want)
	}
	for _, d := range res.Dialogs {
		t.Errorf("a dialog opened: %s", d)
	}
	if !a.ServerHad2 || a.ShownWhilePaused || !strings.Contains(a.PausedStatus, "waiting") {
		t.Errorf("paused: the server had listener 2's line %v, the page showed it %v, status %q", a.ServerHad2, a.ShownWhilePaused, a.PausedStatus)
	}
	if a.Line2 != findAccessLine(t, base, "logs-e2e-2").Line {
		t.Errorf("after resuming the page shows %q", a.Line2)
	}
	if p := res.Phone; p.ScrollWidth > 390 || p.BoxWidth > 390 || p.BoxWidth < 300 {
		t.Errorf("at 390 px: page %v px wide, log box %v px", p.ScrollWidth, p.BoxWidth)
	}
	for _, line := range res.Console {
		// The page asks for its session before logging in: that 401 is
		// expected, any other error is not.
		if strings.Contains(line, "status of 401") {
			continue
		}
		if strings.Contains(line, "pageerror") || strings.Contains(line, " error:") {
			t.Errorf("browser console: %s", line)
		}
	}
	if d := os.Getenv("ONAIR_E2E_SHOTS"); d != "" {
		t.Logf("screenshots in %s", d)
	}
}
