package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"onair/internal/testenv"
)

func TestAccessLogFolderMissing(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "onair.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("listen: \"127.0.0.1:0\"\nshoutcast_port: 0\ndata_dir: %q\naccess_log: %q\n",
		filepath.Join(dir, "data"), filepath.Join(dir, "no-such-folder", "access.log"))), 0o600)
	var out, errb bytes.Buffer
	code := realMain([]string{"-config", cfg}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "access_log") || !strings.Contains(errb.String(), "does not exist") {
		t.Fatalf("exit %d, stderr %q; want non-zero and a message naming access_log", code, errb.String())
	}
}

// waitForLines polls path until it holds n lines, for up to 20 s.
func waitForLines(t *testing.T, path string, n int) []string {
	t.Helper()
	var lines []string
	if testenv.Poll(20*time.Second, func() bool {
		b, _ := os.ReadFile(path)
		lines = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		return len(b) > 0 && len(lines) >= n
	}) {
		return lines
	}
	t.Fatalf("%s holds %q, want %d lines", path, lines, n)
	return nil
}

func TestBinaryAccessLogReopensOnSIGHUP(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	httpPort, _ := testenv.AdjacentPorts(t)
	logPath := filepath.Join(dir, "access.log")
	cfg := filepath.Join(dir, "onair.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("listen: \"127.0.0.1:%d\"\nshoutcast_port: 0\ndata_dir: %q\naccess_log: %q\n",
		httpPort, filepath.Join(dir, "data"), logPath)), 0o600)
	cmd := exec.Command(bin, "-config", cfg)
	cmd.Env = append(os.Environ(), "ONAIR_SOURCE_PASSWORD=", "ONAIR_ADMIN_PASSWORD=")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	get := func(path string) {
		t.Helper()
		cl := &http.Client{Timeout: 5 * time.Second}
		url := fmt.Sprintf("http://127.0.0.1:%d%s", httpPort, path)
		if testenv.Poll(30*time.Second, func() bool {
			resp, err := cl.Get(url)
			if err == nil {
				resp.Body.Close()
			}
			return err == nil // else still starting
		}) {
			return
		}
		t.Fatalf("GET %s failed for 30 s\n%s", url, stderr.String())
	}
	get("/status-json.xsl")
	lines := waitForLines(t, logPath, 1)
	if !strings.Contains(lines[0], `"GET /status-json.xsl HTTP/1.1" 200 `) {
		t.Fatalf("first line %q", lines[0])
	}

	// logrotate: rename, then SIGHUP; the next request lands in a new file.
	rotated := logPath + ".1"
	if err := os.Rename(logPath, rotated); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	testenv.Poll(20*time.Second, func() bool { _, err := os.Stat(logPath); return err == nil })
	get("/no-such-page")
	lines = waitForLines(t, logPath, 1)
	if len(lines) != 1 || !strings.Contains(lines[0], `"GET /no-such-page HTTP/1.1" 404 `) {
		t.Fatalf("new file holds %q", lines)
	}
	if old := waitForLines(t, rotated, 1); len(old) != 1 {
		t.Errorf("rotated file holds %q", old)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("onair did not exit within 10 s of SIGTERM")
	}
}
