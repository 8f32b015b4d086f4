package startup

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onair/config"
	"onair/internal/leakcheck"
	"onair/internal/testenv"
)

// TestRelayMasterWiredAndShown: relay_master in the config makes Run
// follow the master's list with its credentials; GET /api/relays shows
// the followed mount with from_master, and neither it nor the log shows
// the password.
func TestRelayMasterWiredAndShown(t *testing.T) {
	leakcheck.Check(t)
	var authed atomic.Bool
	master := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/admin/streamlist.txt" {
			http.NotFound(w, r)
			return
		}
		if u, p, ok := r.BasicAuth(); !ok || u != "relay" || p != "m4ster-pw" {
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		authed.Store(true)
		io.WriteString(w, "/far\r\n/stream\r\n/../x\r\n")
	}))
	defer master.Close()
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
	cfg.RelayMaster = config.RelayMaster{URL: master.URL, User: "relay", Password: "m4ster-pw", Interval: 15 * time.Second}
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
		if strings.Contains(stderr.String(), "m4ster-pw") {
			t.Errorf("the password in the log:\n%s", stderr.String())
		}
		if t.Failed() {
			t.Logf("the log:\n%s", stderr.String())
		}
	}()
	waitOnAir(t, &stderr, done)

	type relay struct {
		Mount      string
		Upstreams  []string
		FromMaster bool `json:"from_master"`
	}
	var got []relay
	testenv.WaitFor(t, "the followed relay", func() bool {
		got = nil
		adminJSON(t, addr, "/api/relays", &got)
		return len(got) == 1 && got[0].Mount == "/far" && got[0].FromMaster
	})
	if !authed.Load() {
		t.Error("the list was not read with relay_master's credentials")
	}
	if up := strings.Join(got[0].Upstreams, " "); strings.Contains(up, "m4ster-pw") || !strings.HasSuffix(up, strings.TrimPrefix(master.URL, "http://")+"/far") {
		t.Errorf("upstreams %q", up)
	}
	// The station's /stream clashes and "/../x" breaks the mount rules:
	// both skipped and logged.
	testenv.WaitFor(t, "the skipped lines logged", func() bool {
		log := stderr.String()
		return strings.Contains(log, "lines skipped") && strings.Contains(log, "a local mount")
	})
}
