package startup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"onair/accounts"
	"onair/backup"
	"onair/config"
	"onair/internal/testenv"
	"onair/store"
)

// runServer runs a server on data until the test ends and returns its
// address.
func runServer(t *testing.T, data string) string {
	t.Helper()
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.ShoutcastPort = 0
	cfg.DataDir = data
	cfg.AdminPassword, cfg.SourcePassword = "adm1n-pass", "s0urce-pass"
	cfg.Stations[0].MediaDirs = []string{t.TempDir()}
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, Options{Version: "test", Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("Run did not return after its context ended")
		}
	})
	return waitOnAir(t, &stderr, done)
}

// apiCall sends body as JSON with HTTP Basic (user "" = none) and
// returns the status; an error is a failed round trip.
func apiCall(method, url, user, pass string, body any, cookie *http.Cookie) (int, *http.Response, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(method, url, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	resp.Body.Close()
	return resp.StatusCode, resp, nil
}

// TestBackupDuringWrites is the test: two clients create
// playlists through the API as fast as they can; a backup is taken in
// the middle of it; restored into a fresh data folder, it holds every
// playlist whose create was answered before the backup started.
func TestBackupDuringWrites(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	base := "http://" + runServer(t, data)

	var mu sync.Mutex
	answered := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%d", w, i)
				code, _, err := apiCall("POST", base+"/api/playlists", "admin", "adm1n-pass", map[string]any{"name": name, "mode": "shuffle"}, nil)
				if err != nil {
					t.Errorf("create %s: %v", name, err)
					return
				}
				if code == http.StatusCreated {
					mu.Lock()
					answered[name] = true
					mu.Unlock()
				}
			}
		})
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(answered)
	}
	testenv.WaitFor(t, "20 answered creates", func() bool { return count() >= 20 })
	mu.Lock()
	before := make([]string, 0, len(answered))
	for n := range answered {
		before = append(before, n)
	}
	mu.Unlock()
	file := filepath.Join(t.TempDir(), "onair.backup")
	m, err := Backup(ctx, config.Config{DataDir: data}, "", file, "test", false)
	afterBackup := count()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if afterBackup == len(before) {
		t.Log("no create was answered while the backup ran")
	}

	// The live folder is the server's: restore refuses it.
	if _, err := Restore(ctx, file, backup.RestoreOptions{Getenv: env(data), Force: true}); !errors.Is(err, store.ErrLocked) {
		t.Errorf("restore onto the running server: %v, want ErrLocked", err)
	}

	fresh := filepath.Join(t.TempDir(), "fresh")
	r, err := Restore(ctx, file, backup.RestoreOptions{Getenv: env(fresh)})
	if err != nil {
		t.Fatal(err)
	}
	if r.DataDir != fresh || r.Manifest.Schema != m.Schema {
		t.Errorf("restored %+v", r)
	}
	db, err := store.Open(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	have := map[string]bool{}
	rows, err := db.DB.Query("SELECT name FROM playlists")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		have[n] = true
	}
	rows.Close()
	for _, n := range before {
		if !have[n] {
			t.Errorf("playlist %s, answered before the backup started, is not in it", n)
		}
	}
	// Each writer may have had one create committed, its answer not yet
	// counted, when the count was taken.
	if len(have) > afterBackup+2 {
		t.Errorf("the backup holds %d playlists; only %d creates were answered when it finished", len(have), afterBackup)
	}
	if _, err := accounts.New(db).Verify(ctx, "admin", "adm1n-pass"); err != nil {
		t.Errorf("the admin in the restored store: %v", err)
	}
	t.Logf("%d creates answered before the backup, %d by its end, %d in it", len(before), afterBackup, len(have))
}

// env is an environment with only ONAIR_DATA set.
func env(data string) func(string) string {
	return func(k string) string {
		if k == config.EnvData {
			return data
		}
		return ""
	}
}

// TestPasswordWhileServing: SetPassword on a running server's folder
// takes effect at once: the new password logs in, the old one fails,
// the account's console sessions end.
func TestPasswordWhileServing(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	base := "http://" + runServer(t, data)
	cfg := config.Config{DataDir: data}

	code, resp, err := apiCall("POST", base+"/api/login", "", "", map[string]string{"username": "admin", "password": "adm1n-pass"}, nil)
	if err != nil || code != 200 {
		t.Fatalf("login: %d %v", code, err)
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "onair_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	// HTTP Basic once, so that the server's cache knows the old password.
	if code, _, _ := apiCall("GET", base+"/api/stations", "admin", "adm1n-pass", nil, nil); code != 200 {
		t.Fatalf("old password before the change: %d", code)
	}

	if created, err := SetPassword(ctx, cfg, "admin", "brand-new-pass", ""); err != nil || created {
		t.Fatalf("SetPassword: created %v, %v", created, err)
	}
	for _, tc := range []struct {
		user, pass string
		cookie     *http.Cookie
		want       int
	}{
		{"admin", "brand-new-pass", nil, 200},
		{"admin", "adm1n-pass", nil, 401},
		{"", "", session, 401},
	} {
		if code, _, err := apiCall("GET", base+"/api/stations", tc.user, tc.pass, nil, tc.cookie); err != nil || code != tc.want {
			t.Errorf("%s %q session %v after the change: %d %v, want %d", tc.user, tc.pass, tc.cookie != nil, code, err, tc.want)
		}
	}

	if _, err := SetPassword(ctx, cfg, "nobody", "brand-new-pass", ""); !errors.Is(err, accounts.ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
	if created, err := SetPassword(ctx, cfg, "dee", "dee-password", "dj"); err != nil || !created {
		t.Errorf("-create -role dj: created %v, %v", created, err)
	}
	if code, _, _ := apiCall("GET", base+"/api/stations", "dee", "dee-password", nil, nil); code != 200 {
		t.Errorf("the new DJ: %d", code)
	}
	if _, err := SetPassword(ctx, config.Config{DataDir: t.TempDir()}, "admin", "brand-new-pass", ""); !errors.Is(err, store.ErrNoDatabase) {
		t.Errorf("a folder without a database: %v, want ErrNoDatabase", err)
	}
}
