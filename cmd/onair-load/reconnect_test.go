package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"onair/internal/leakcheck"
)

// reconnectConfig is a short run with -reconnect against url.
func reconnectConfig(url string, n int, d time.Duration) Config {
	cfg := testConfig(url, n, d)
	cfg.Ramp = 0
	cfg.Reconnect = true
	cfg.ReconnectDelay = 40 * time.Millisecond
	cfg.ReconnectFor = 5 * time.Second
	return cfg
}

// checkReconnectSums fails unless every stream that ended cleanly is
// accounted for once: back, given up, or still trying at the end.
func checkReconnectSums(t *testing.T, rc *ReconnectReport) {
	t.Helper()
	if rc == nil {
		t.Fatal("no reconnect report with -reconnect")
	}
	if rc.Ended != rc.Reconnected+rc.Failed+rc.Pending {
		t.Fatalf("ended %d != reconnected %d + failed %d + pending %d", rc.Ended, rc.Reconnected, rc.Failed, rc.Pending)
	}
	if rc.Time.N != rc.Reconnected {
		t.Fatalf("%d reconnection times for %d reconnections", rc.Time.N, rc.Reconnected)
	}
}

func TestReconnectAfterCleanEnd(t *testing.T) {
	leakcheck.Check(t)
	srv := startFake(t, fakeEndClean)
	const n = 10
	rep, err := Run(context.Background(), reconnectConfig(srv.URL(), n, 600*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	rc := rep.Reconnect
	checkReconnectSums(t, rc)
	if rep.Drops.Total != 0 || rep.Framing.Errors != 0 || rc.Failed != 0 {
		t.Fatalf("drops %+v, framing errors %d, reconnections failed %d; want none", rep.Drops, rep.Framing.Errors, rc.Failed)
	}
	// Every stream ends after its burst, so each listener came back at
	// least once, and the server saw each return.
	if rc.Ended < n || rc.Reconnected < n {
		t.Fatalf("ended %d, reconnected %d; want at least %d each", rc.Ended, rc.Reconnected, n)
	}
	if got := srv.requests.Load(); got != int64(n+rc.Reconnected) {
		t.Fatalf("server saw %d requests, want %d first connections + %d reconnections", got, n, rc.Reconnected)
	}
}

func TestCleanEndIsADropWithoutReconnect(t *testing.T) {
	srv := startFake(t, fakeEndClean)
	const n = 5
	rep, err := Run(context.Background(), testConfig(srv.URL(), n, 300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Reconnect != nil || rep.Drops.Reasons["eof"] != n {
		t.Fatalf("reconnect report %+v, drops %+v; want none and %d eof drops", rep.Reconnect, rep.Drops, n)
	}
}

func TestReconnectDropsCutStreams(t *testing.T) {
	tests := []struct {
		mode   fakeMode
		name   string
		reason string
	}{
		{fakeHangUp, "cut mid-frame", "eof mid-frame"},
		{fakeKeepFormat, "format change on one connection", "format change"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFake(t, tt.mode)
			const n = 5
			rep, err := Run(context.Background(), reconnectConfig(srv.URL(), n, time.Second))
			if err != nil {
				t.Fatal(err)
			}
			checkReconnectSums(t, rep.Reconnect)
			if rep.Drops.Reasons[tt.reason] != n || rep.Reconnect.Ended != 0 || len(rep.Drops.Examples) == 0 {
				t.Fatalf("drops %+v, ended %d; want %d dropped with %q and examples, none reconnected",
					rep.Drops, rep.Reconnect.Ended, n, tt.reason)
			}
		})
	}
}

func TestReconnectThroughFormatChange(t *testing.T) {
	srv := startFake(t, fakeNewFormat)
	const n = 10
	cfg := reconnectConfig(srv.URL(), n, 2*time.Second)
	cfg.ReportEvery = 100 * time.Millisecond
	var lines bytes.Buffer
	cfg.ReportTo = &lines
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rc := rep.Reconnect
	checkReconnectSums(t, rc)
	// Each stream ends once, at the change; the server answers 404 for a
	// while, then the listeners are back on the new format, checked afresh.
	if rc.Ended != n || rc.Reconnected != n || rc.Retries["status HTTP/1.0 404 Not Found"] == 0 {
		t.Fatalf("reconnect report %+v; want %d ended and reconnected after 404s", rc, n)
	}
	if rep.Drops.Total != 0 || rep.Framing.Errors != 0 || rep.Held.SteadyEnd != n {
		t.Fatalf("drops %+v, framing errors %d, held %d; want none, none, %d", rep.Drops, rep.Framing.Errors, rep.Held.SteadyEnd, n)
	}

	var last Progress
	count := 0
	sc := bufio.NewScanner(&lines)
	for sc.Scan() {
		if err := json.Unmarshal(sc.Bytes(), &last); err != nil {
			t.Fatalf("progress line %q: %v", sc.Text(), err)
		}
		count++
	}
	if count < 5 || last.Live != n || last.Ended != n || last.Reconnected != n || last.Drops != 0 || last.DropReasons == nil {
		t.Fatalf("%d progress lines, the last %+v; want at least 5, ending with %d live, ended and reconnected", count, last, n)
	}
}

func TestReconnectGivesUp(t *testing.T) {
	srv := startFake(t, fakeNewFormat)
	const n = 4
	cfg := reconnectConfig(srv.URL(), n, 800*time.Millisecond)
	cfg.ReconnectFor = 50 * time.Millisecond // the 404s last 400 ms; a second attempt would start past 60 ms
	rep, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	rc := rep.Reconnect
	checkReconnectSums(t, rc)
	if rc.Ended != n || rc.Failed != n || rc.FailReasons["status HTTP/1.0 404 Not Found"] != n {
		t.Fatalf("reconnect report %+v; want %d given up on a 404", rc, n)
	}
	if rep.Held.SteadyEnd != 0 {
		t.Fatalf("held %d at the end, want 0", rep.Held.SteadyEnd)
	}
}

func TestMainReconnectFlags(t *testing.T) {
	srv := startFake(t, fakeEndClean)
	var stdout, stderr bytes.Buffer
	code := realMain([]string{"-url", srv.URL(), "-n", "3", "-ramp", "0", "-duration", "500ms", "-tick", "100ms",
		"-reconnect", "-reconnect-delay", "50ms", "-report-every", "100ms", "-quiet"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s", code, stderr.String())
	}
	// Progress lines first, then the report for people.
	first, rest, _ := bytes.Cut(stdout.Bytes(), []byte("\n"))
	var p Progress
	if err := json.Unmarshal(first, &p); err != nil {
		t.Fatalf("first line %q is not a progress line: %v", first, err)
	}
	if !bytes.Contains(rest, []byte("streams ended cleanly by the server")) {
		t.Fatalf("no reconnect line in the report:\n%s", rest)
	}
	if code := realMain([]string{"-url", srv.URL(), "-reconnect", "-reconnect-for", "0s", "-quiet"}, &stdout, &stderr); code != 2 {
		t.Fatalf("-reconnect-for 0s: exit code %d, want 2", code)
	}
}
