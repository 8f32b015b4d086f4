package startup

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"onair/config"
	"onair/internal/leakcheck"
	"onair/internal/testenv"
)

// TestPushWiredAndShown: a config that pushes the passthrough mount /relay
// to this same server's /copy (once with the right password, once with a
// wrong one) starts the pushes; GET /api/push shows one connected and
// sending, the other failed with the server's answer, neither showing a
// password; the log never does either.
func TestPushWiredAndShown(t *testing.T) {
	leakcheck.Check(t) // Run leaves nothing running once it returns
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := config.Default()
	cfg.Listen = addr
	cfg.ShoutcastPort = 0
	cfg.DataDir = t.TempDir()
	cfg.SourcePassword, cfg.AdminPassword = "src-pw-1", "adm1n-pw"
	cfg.Stations[0].MediaDirs = []string{t.TempDir()}
	cfg.Mounts = []config.Mount{{Path: "/relay"}}
	cfg.Push = []config.Push{
		{Mount: "/relay", URL: fmt.Sprintf("icecast://source:src-pw-1@%s/copy", addr)},
		{Mount: "/relay", URL: fmt.Sprintf("icecast://source:wrong-pw-2@%s/other", addr)},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, Options{Version: "test", Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after its context ended")
		}
		if log := stderr.String(); strings.Contains(log, "src-pw-1") || strings.Contains(log, "wrong-pw-2") {
			t.Errorf("a password in the log:\n%s", log)
		}
		if t.Failed() {
			t.Logf("the log:\n%s", stderr.String())
		}
	}()
	waitOnAir(t, &stderr, done)
	pushSource(t, addr, "/relay", "src-pw-1")

	type push struct {
		Mount, Target, State, Remote string
		BytesOut                     int64 `json:"bytes_out"`
	}
	var got []push
	testenv.WaitFor(t, "one push sending, one refused", func() bool {
		got = nil
		adminJSON(t, addr, "/api/push", &got)
		return len(got) == 2 && got[0].State == "connected" && got[0].BytesOut > 0 && got[1].State == "failed"
	})
	for _, p := range got {
		if strings.Contains(p.Target, "pw") {
			t.Errorf("a password in the target: %+v", p)
		}
	}
	if !strings.Contains(got[1].Remote, "401") {
		t.Errorf("the refused push shows %q", got[1].Remote)
	}
}
