package main

import (
	"encoding/json"
	"fmt"
	"net"
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

// TestBinaryReloadsOnSIGHUP: the binary, sent SIGHUP, reads its config
// file again with the environment over it, as at start: a station's new
// name shows in the API, a change of shoutcast_port is logged as needing
// a restart, the admin password from ONAIR_ADMIN_PASSWORD still wins over
// the file's new one, and a listener of a passthrough mount with a source
// streaming keeps getting audio on the same connection.
func TestBinaryReloadsOnSIGHUP(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	httpPort, _ := testenv.AdjacentPorts(t)
	cfgPath := filepath.Join(dir, "onair.yaml")
	yaml := fmt.Sprintf(`listen: "127.0.0.1:%d"
shoutcast_port: 0
data_dir: %q
source_password: s0urce
admin_password: file-adm1n
stations:
  - id: main
    name: Before
    media_dirs: [%q]
mounts:
  - path: /relay
`, httpPort, filepath.Join(dir, "data"), t.TempDir())
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-config", cfgPath)
	cmd.Env = append(os.Environ(), "ONAIR_SOURCE_PASSWORD=", "ONAIR_ADMIN_PASSWORD=env-adm1n")
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = nil, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("onair's log:\n%s", stderr.String())
		}
	})
	if !testenv.Poll(30*time.Second, func() bool { return strings.Contains(stderr.String(), `msg="on air"`) }) {
		t.Fatal("onair did not start within 30 s")
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	stationName := func() string {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/stations", nil)
		req.SetBasicAuth("admin", "env-adm1n")
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var stations []struct{ Name string }
		if err := json.NewDecoder(resp.Body).Decode(&stations); err != nil || resp.StatusCode != 200 || len(stations) != 1 {
			t.Fatalf("GET /api/stations as the environment's admin: %s, %v, %+v", resp.Status, err, stations)
		}
		return stations[0].Name
	}
	if got := stationName(); got != "Before" {
		t.Fatalf("station name at start: %q", got)
	}

	pushRelay(t, base, "/relay")
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", httpPort), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	status, sr := openStream(t, c, "/relay", "")
	if !strings.Contains(status, " 200") {
		t.Fatalf("listener on /relay: %q", status)
	}
	sr.waitBytes(t, "/relay before the reload", 20000)

	yaml = strings.Replace(yaml, "name: Before", "name: After", 1)
	yaml = strings.Replace(yaml, "shoutcast_port: 0", "shoutcast_port: auto", 1)
	yaml = strings.Replace(yaml, "admin_password: file-adm1n", "admin_password: file-other", 1)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	before := sr.bytes.Load()
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !testenv.Poll(20*time.Second, func() bool { return strings.Contains(stderr.String(), `msg="config reloaded"`) }) {
		t.Fatal("no reload within 20 s of SIGHUP")
	}
	log := stderr.String()
	if !strings.Contains(log, "key=shoutcast_port") || !strings.Contains(log, "needs_restart=shoutcast_port") {
		t.Error("the shoutcast_port change is not logged as needing a restart")
	}
	if strings.Contains(log, "admin_password") {
		t.Error("the file's admin_password applied over ONAIR_ADMIN_PASSWORD")
	}
	if got := stationName(); got != "After" {
		t.Errorf("station name after SIGHUP: %q, want After", got)
	}
	sr.waitBytes(t, "/relay after the reload", before+20000)
	select {
	case <-sr.ended:
		t.Fatal("the listener's stream ended at the reload")
	default:
	}
}
