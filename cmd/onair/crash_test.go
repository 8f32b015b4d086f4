package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"onair/internal/testenv"
)

// startAt runs onair with its data in dir and returns the process and its
// base URL once it answers.
func startAt(t *testing.T, bin, dir, yaml string) (*exec.Cmd, string) {
	t.Helper()
	cmd, base, _ := startUnder(t, []string{bin}, dir, yaml)
	return cmd, base
}

// startUnder is startAt for a binary run by another program (argv is
// that program, its arguments and the binary, e.g. qemu-user's); it also
// returns the server's log so far, growing as the server runs.
func startUnder(t *testing.T, argv []string, dir, yaml string) (*exec.Cmd, string, *lockedBuffer) {
	t.Helper()
	httpPort, _ := testenv.AdjacentPorts(t)
	cfg := filepath.Join(dir, "onair.yaml")
	yaml = fmt.Sprintf("listen: \"127.0.0.1:%d\"\ndata_dir: %q\nadmin_password: adm1n\nsource_password: s0urce\n", httpPort, filepath.Join(dir, "data")) + yaml
	os.WriteFile(cfg, []byte(yaml), 0o600)
	cmd := exec.Command(argv[0], append(argv[1:], "-config", cfg)...)
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// A failed test shows the end of the server's log: what it saw of the
	// sources and listeners the test drove.
	t.Cleanup(func() {
		if t.Failed() {
			log := stderr.String()
			t.Logf("the end of onair's log:\n%s", log[max(0, len(log)-8000):])
		}
	})
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	// Bounded for a loaded machine, where opening the store and scanning
	// the music can take seconds.
	if testenv.Poll(30*time.Second, func() bool {
		resp, err := http.Get(base + "/status-json.xsl")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}) {
		return cmd, base, &stderr
	}
	t.Fatalf("onair did not answer within 30 s:\n%s", stderr.String())
	return nil, "", nil
}

// TestKillDashNineLosesNoAnsweredWrite: two clients create and edit
// playlists as fast as they can; the server is killed with SIGKILL in the
// middle. After a restart, every write that was answered is there, and
// the store is intact.
func TestKillDashNineLosesNoAnsweredWrite(t *testing.T) {
	music := t.TempDir()
	makeTones(t, music, 1, 300, 500, 700)
	bin := buildBinary(t)
	dir := t.TempDir()
	yaml := fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    media_dirs: [%q]\n", music)
	cmd, base := startAt(t, bin, dir, yaml)

	var lib []libTrack
	getJSON(t, "GET", base+"/api/library", &lib)
	if len(lib) != 3 {
		t.Fatalf("library: %+v", lib)
	}
	var mu sync.Mutex
	acked := map[int64]string{} // playlist id → name, for answered creates
	itemsAcked := map[int64]int{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%d", w, i)
				var pl apiPlaylist
				code, err := sendJSONErr("POST", base+"/api/playlists", map[string]any{"name": name, "mode": "shuffle"}, &pl)
				if err != nil {
					return // the server is gone
				}
				if code != 201 {
					continue
				}
				mu.Lock()
				acked[pl.ID] = name
				mu.Unlock()
				items := []map[string]any{{"track_id": lib[i%3].ID}, {"track_id": lib[(i+1)%3].ID}}
				code, err = sendJSONErr("PUT", fmt.Sprintf("%s/api/playlists/%d/items", base, pl.ID), items, nil)
				if err != nil {
					return
				}
				if code == 200 {
					mu.Lock()
					itemsAcked[pl.ID] = 2
					mu.Unlock()
				}
			}
		}()
	}
	// Let the burst run, then kill without warning.
	testenv.Poll(10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 40
	})
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d writes before the kill", len(acked))
	}

	_, base = startAt(t, bin, dir, yaml)
	var after []apiPlaylist
	if code := getJSON(t, "GET", base+"/api/playlists", &after); code != 200 {
		t.Fatalf("playlists after restart: %d", code)
	}
	have := map[int64]string{}
	for _, p := range after {
		have[p.ID] = p.Name
	}
	for id, name := range acked {
		if have[id] != name {
			t.Errorf("answered create of %s (id %d) lost in the crash", name, id)
		}
	}
	for id, n := range itemsAcked {
		var items []map[string]any
		getJSON(t, "GET", fmt.Sprintf("%s/api/playlists/%d/items", base, id), &items)
		if len(items) != n {
			t.Errorf("playlist %d: %d items after the crash, %d answered", id, len(items), n)
		}
	}
	t.Logf("%d creates and %d item lists answered before SIGKILL; all there after restart", len(acked), len(itemsAcked))
}
