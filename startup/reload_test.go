package startup

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onair/internal/leakcheck"
	"onair/internal/testenv"
)

// mp3Frame is frame n of a synthetic MPEG-1 layer III stream at 128 kbps,
// 44.1 kHz: a valid header and a payload that numbers it.
func mp3Frame(n int) []byte {
	f := make([]byte, 417)
	copy(f, []byte{0xFF, 0xFB, 0x90, 0x64})
	binary.BigEndian.PutUint32(f[4:], uint32(n))
	return f
}

// pushSource connects an Icecast source to mount with pass and sends
// frames at about real time until it is cut off or the test ends. The
// returned channel is closed once the server has hung up on it.
func pushSource(t *testing.T, addr, mount, pass string) <-chan struct{} {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	auth := base64.StdEncoding.EncodeToString([]byte("source:" + pass))
	fmt.Fprintf(c, "SOURCE %s HTTP/1.0\r\nAuthorization: Basic %s\r\nContent-Type: audio/mpeg\r\nice-bitrate: 128\r\n\r\n", mount, auth)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	if status, err := br.ReadString('\n'); err != nil || !strings.Contains(status, " 200") {
		t.Fatalf("source on %s: %q, %v", mount, status, err)
	}
	stop, done, hungUp := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		// The server says nothing more to a source: a read ends when it
		// hangs up.
		defer close(hungUp)
		c.SetReadDeadline(time.Time{})
		io.Copy(io.Discard, br)
	}()
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		// 200 frames at once fill the burst, then 4 per 100 ms (26 ms each).
		for n := 0; n < 200+4*1200; n++ {
			if n >= 200 && n%4 == 0 {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(mp3Frame(n)); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		c.Close()
		<-done
		<-hungUp
	})
	return hungUp
}

// streamCounter is a listener that counts the bytes it gets.
type streamCounter struct {
	bytes atomic.Int64
	ended chan struct{}
}

// openListener connects a player to mount and reads in the background.
func openListener(t *testing.T, addr, mount string) *streamCounter {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(90 * time.Second))
	io.WriteString(c, "GET "+mount+" HTTP/1.0\r\nUser-Agent: reload-test\r\n\r\n")
	br := bufio.NewReader(c)
	if status, err := br.ReadString('\n'); err != nil || !strings.Contains(status, " 200") {
		t.Fatalf("listener on %s: %q, %v", mount, status, err)
	}
	sc := &streamCounter{ended: make(chan struct{})}
	go func() {
		defer close(sc.ended)
		buf := make([]byte, 8192)
		for {
			n, err := br.Read(buf)
			sc.bytes.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { c.Close(); <-sc.ended })
	return sc
}

// grows waits until the listener has got n more bytes, still connected.
func (sc *streamCounter) grows(t *testing.T, what string, n int64) {
	t.Helper()
	from := sc.bytes.Load()
	if !testenv.Poll(20*time.Second, func() bool { return sc.bytes.Load() >= from+n }) {
		t.Fatalf("%s: %d bytes in 20 s, want %d", what, sc.bytes.Load()-from, n)
	}
	select {
	case <-sc.ended:
		t.Fatalf("%s: the stream ended", what)
	default:
	}
}

// adminJSON GETs an API path as the admin and decodes the answer.
func adminJSON(t *testing.T, addr, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
	req.SetBasicAuth("admin", "adm1n-pw")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// sourceStatus logs in as a source on mount and returns the status line.
func sourceStatus(t *testing.T, addr, mount, pass string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	auth := base64.StdEncoding.EncodeToString([]byte("source:" + pass))
	fmt.Fprintf(c, "SOURCE %s HTTP/1.0\r\nAuthorization: Basic %s\r\nContent-Type: audio/mpeg\r\n\r\n", mount, auth)
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// reloadConfig is the test's config file; vars fill its blanks.
const reloadConfig = `listen: "127.0.0.1:%d"
shoutcast_port: 0
data_dir: %q
admin_password: adm1n-pw
source_password: %s
max_listeners: %d
allow_unlisted_mounts: false
log_level: %s
stations:
  - id: main
    name: %q
    media_dirs: [%q]
mounts:
%s`

// TestReloadAppliesLiveAndKeepsListeners: Run serves a config file with
// a source streaming to /relay and to /old, and a listener on each. The
// file is rewritten (a station name, a limit, the source password, /old
// removed and /added added, the log level, and the listen port, which
// needs a restart) and the hang-up hook is called, as SIGHUP does: the
// new values show in the API, the old password is refused and the new
// one taken, /relay's listener carries on, /old's moves to its fallback
// /relay while /old's source is cut off, the listen change is logged by
// key, and debug lines appear. A broken file then changes nothing.
func TestReloadAppliesLiveAndKeepsListeners(t *testing.T) {
	leakcheck.Check(t) // Run leaves nothing running once it returns
	dir := t.TempDir()
	music := t.TempDir()
	path := filepath.Join(dir, "onair.yaml")
	write := func(port int, pass string, maxListeners int, level, name, mounts string) {
		t.Helper()
		body := fmt.Sprintf(reloadConfig, port, filepath.Join(dir, "data"), pass, maxListeners, level, name, music, mounts)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(0, "old-pw", 100, "info", "Before", "  - {path: /relay}\n  - {path: /old, fallback: /relay}\n")
	noEnv := func(string) string { return "" }
	cfg, err := Load(path, noEnv)
	if err != nil {
		t.Fatal(err)
	}

	hups := make(chan func(), 1)
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, Options{
			Version: "test", Stdout: &stdout, Stderr: &stderr, Getenv: noEnv, ConfigPath: path,
			OnHangup: func(hup func()) func() { hups <- hup; return func() {} },
		})
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
		if t.Failed() || testing.Verbose() {
			t.Logf("the log:\n%s", stderr.String())
		}
	}()
	addr := waitOnAir(t, &stderr, done)
	hup := <-hups

	pushSource(t, addr, "/relay", "old-pw")
	oldCut := pushSource(t, addr, "/old", "old-pw")
	relay := openListener(t, addr, "/relay")
	old := openListener(t, addr, "/old")
	relay.grows(t, "/relay before the reload", 20000)
	old.grows(t, "/old before the reload", 20000)
	if got := sourceStatus(t, addr, "/added", "old-pw"); strings.Contains(got, " 200") {
		t.Fatalf("a source on /added before it is configured: %q", got)
	}

	_, port, _ := net.SplitHostPort(addr)
	var p int
	fmt.Sscan(port, &p)
	write(p+1, "new-pw", 7, "debug", "After", "  - {path: /relay, max_listeners: 50}\n  - {path: /added}\n")
	hup()
	log := stderr.String()
	if !strings.Contains(log, `msg="config reloaded"`) {
		t.Fatalf("no reload summary in the log")
	}
	if !strings.Contains(log, `msg="config change needs a restart; the running value stays" component=config key=listen`) {
		t.Errorf("the listen change is not logged by key")
	}
	for _, k := range []string{"source_password", "max_listeners", "log_level", "mounts", "stations.main.name"} {
		if !strings.Contains(log[strings.Index(log, `msg="config reloaded"`):], k) {
			t.Errorf("the reload summary does not name %s", k)
		}
	}

	var stations []struct{ ID, Name string }
	adminJSON(t, addr, "/api/stations", &stations)
	if len(stations) != 1 || stations[0].Name != "After" {
		t.Errorf("stations after the reload: %+v", stations)
	}
	var view struct {
		Server map[string]struct{ Value any } `json:"server"`
	}
	adminJSON(t, addr, "/api/settings", &view)
	if got := view.Server["max_listeners"].Value; got != float64(7) {
		t.Errorf("max_listeners after the reload: %v", got)
	}
	if got := view.Server["listen"].Value; got != "127.0.0.1:0" {
		t.Errorf("listen after the reload: %v, want the running value", got)
	}
	if got := sourceStatus(t, addr, "/live", "old-pw"); !strings.Contains(got, " 401") {
		t.Errorf("the old source password after the reload: %q, want 401", got)
	}
	if got := sourceStatus(t, addr, "/added", "new-pw"); !strings.Contains(got, " 200") {
		t.Errorf("the new source password on the added mount: %q, want 200", got)
	}

	// /relay's listener never noticed; /old's source is cut off and its
	// listener hears /relay on the same connection.
	relay.grows(t, "/relay after the reload", 20000)
	select {
	case <-oldCut:
	case <-time.After(10 * time.Second):
		t.Error("the source of the removed /old is still connected")
	}
	old.grows(t, "/old's listener after the reload", 20000)
	if !testenv.Poll(10*time.Second, func() bool {
		return strings.Contains(stderr.String(), `level=DEBUG msg="listener moved"`)
	}) {
		t.Error("no debug line after log_level: debug")
	}

	// A broken file is logged with each problem and changes nothing.
	if err := os.WriteFile(path, []byte("max_listeners: -1\nmetaint: 0\nlog_level: loud\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hup()
	log = stderr.String()
	if !strings.Contains(log, `msg="config reload refused: nothing changed" component=config file=`+path+` problems=3`) {
		t.Errorf("the broken file's refusal is not logged with its 3 problems")
	}
	for _, want := range []string{"onair.yaml:1: 'max_listeners'", "onair.yaml:2: 'metaint'", "onair.yaml:3: 'log_level'"} {
		if !strings.Contains(log, want) {
			t.Errorf("the broken file's problem %q is not logged", want)
		}
	}
	adminJSON(t, addr, "/api/settings", &view)
	if got := view.Server["max_listeners"].Value; got != float64(7) {
		t.Errorf("max_listeners after a broken file: %v", got)
	}
	if got := sourceStatus(t, addr, "/added", "new-pw"); !strings.Contains(got, " 200") {
		t.Errorf("the source password after a broken file: %q, want the reloaded one", got)
	}
	relay.grows(t, "/relay after the broken file", 20000)
}
