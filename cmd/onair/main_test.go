package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"onair/internal/testenv"
)

// built is the onair binary the end-to-end tests run, built once for all
// of them: a link takes seconds, many more on a loaded machine.
var built struct {
	once     sync.Once
	dir, bin string
	err      error
}

// buildBinary builds onair once per test run, as it is released.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "onair-test-bin-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "onair")
		// As the release binaries are built: without cgo, PortAudio and
		// LAME loaded at run time.
		cmd := exec.Command("go", "build", "-o", built.bin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

func TestBinaryStartsPrintsAndStopsOnSIGTERM(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	httpPort, scPort := testenv.AdjacentPorts(t)
	cfg := filepath.Join(dir, "onair.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("listen: \"127.0.0.1:%d\"\ndata_dir: %q\n", httpPort, filepath.Join(dir, "data"))), 0o600)
	cmd := exec.Command(bin, "-config", cfg)
	cmd.Env = append(os.Environ(), "ONAIR_SOURCE_PASSWORD=", "ONAIR_ADMIN_PASSWORD=")
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	var banner []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		banner = append(banner, sc.Text())
		if strings.Contains(sc.Text(), "Source password") {
			break
		}
	}
	text := strings.Join(banner, "\n")
	for _, want := range []string{
		fmt.Sprintf("http://localhost:%d/stream", httpPort),
		fmt.Sprintf("port %d", scPort),
		"/status-json.xsl", "Admin password", "Source password",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("banner lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "hackme") {
		t.Error("default password hackme")
	}
	go io.Copy(io.Discard, stdout)

	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/status-json.xsl", httpPort))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status-json.xsl: %d", resp.StatusCode)
	}

	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("onair did not exit within 10 s of SIGTERM")
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("listen: \":9000\"\n"), 0o600)
	os.WriteFile(bad, []byte("listen: \":9000\"\nstations:\n  - id: main\n    bitrate: 127\n"), 0o600)
	var out, errb bytes.Buffer
	if code := realMain([]string{"check-config", "-config", good}, &out, &errb); code != 0 {
		t.Errorf("good config: exit %d: %s", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	code := realMain([]string{"check-config", "-config", bad}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), "bad.yaml:4:") || !strings.Contains(errb.String(), "bitrate") {
		t.Errorf("bad config: exit %d, %q; want non-zero and file:line", code, errb.String())
	}
	errb.Reset()
	if code := realMain([]string{"check-config"}, &out, &errb); code == 0 {
		t.Error("check-config without -config should fail")
	}
}

func TestSampleConfigChecks(t *testing.T) {
	var out, errb bytes.Buffer
	if code := realMain([]string{"check-config", "-config", "../../onair.yaml"}, &out, &errb); code != 0 {
		t.Fatalf("sample onair.yaml: exit %d: %s", code, errb.String())
	}
}

func TestVersionAndHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := realMain([]string{"-version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "onair ") {
		t.Errorf("-version: %d %q", code, out.String())
	}
	out.Reset()
	if code := realMain([]string{"-help"}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "check-config") {
		t.Errorf("-help: %d %q", code, errb.String())
	}
}
