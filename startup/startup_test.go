package startup

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/config"
	"onair/credentials"
	"onair/internal/leakcheck"
)

// syncBuffer is a buffer Run writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDataFolderOfThePreviousVersion: a data folder whose credentials file
// holds the source password's salted SHA-256 (as the previous version
// generated and kept it) starts, generates no new source password, takes
// the old one from a source client, and still does after a restart, when
// the hash has moved into the store. Run stops cleanly when its context
// ends.
func TestDataFolderOfThePreviousVersion(t *testing.T) {
	leakcheck.Check(t) // Run leaves nothing running once it returns
	data := t.TempDir()
	kept := credentials.HashPassword("older-source-pw")
	admin := credentials.HashPassword("older-admin-pw")
	file := fmt.Sprintf(`{"admin":{"salt":%q,"sha256":%q},"source":{"salt":%q,"sha256":%q}}`, admin.Salt, admin.Hash, kept.Salt, kept.Hash)
	if err := os.WriteFile(filepath.Join(data, credentials.FileName), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.ShoutcastPort = 0 // off: no second port to collide
	cfg.DataDir = data
	cfg.SourcePassword, cfg.AdminPassword = "", ""
	cfg.Stations[0].MediaDirs = []string{t.TempDir()}

	for start := range 2 {
		var stdout, stderr syncBuffer
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- Run(ctx, cfg, Options{Version: "test", Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
		}()
		addr := waitOnAir(t, &stderr, done)
		if strings.Contains(stdout.String(), "Source password (generated") {
			t.Errorf("start %d generated a source password over the kept one:\n%s", start, stdout.String())
		}
		if got := sourceLogin(t, addr, "older-source-pw"); !strings.HasPrefix(got, "HTTP/1.0 200") {
			t.Errorf("start %d: the kept source password: %q", start, got)
		}
		if got := sourceLogin(t, addr, "wrong-pw"); !strings.HasPrefix(got, "HTTP/1.0 401") {
			t.Errorf("start %d: a wrong source password: %q", start, got)
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("start %d: Run: %v", start, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("start %d: Run did not return after its context ended", start)
		}
		if !strings.Contains(stderr.String(), "reason=wrong_password") {
			t.Errorf("start %d: the refusal's log line names no reason:\n%s", start, stderr.String())
		}
	}
}

var onAirLine = regexp.MustCompile(`msg="on air" listen=(\S+)`)

// waitOnAir waits for Run's "on air" and returns the address it serves.
func waitOnAir(t *testing.T, log *syncBuffer, done <-chan error) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if m := onAirLine.FindStringSubmatch(log.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned %v before it was on air:\n%s", err, log.String())
		case <-deadline:
			t.Fatalf("not on air within 30 s:\n%s", log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// sourceLogin sends an Icecast SOURCE request to the live mount and
// returns the status line.
func sourceLogin(t *testing.T, addr, pass string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	auth := base64.StdEncoding.EncodeToString([]byte("source:" + pass))
	fmt.Fprintf(c, "SOURCE /live HTTP/1.0\r\nAuthorization: Basic %s\r\nContent-Type: audio/mpeg\r\n\r\n", auth)
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}
