package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"onair/credentials"
	"onair/store"
)

// folder is a data folder with a store holding one playlist, a
// credentials file, and a config file naming it.
type folder struct {
	data, config string
}

func newFolder(t *testing.T, playlist string) folder {
	t.Helper()
	dir := t.TempDir()
	f := folder{data: filepath.Join(dir, "data"), config: filepath.Join(dir, "onair.yaml")}
	s, err := store.Open(context.Background(), f.data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.Exec(`INSERT INTO playlists (name, station, mode, created_at) VALUES (?, 'main', 'looped', 1)`, playlist); err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.WriteFile(filepath.Join(f.data, credentials.FileName), []byte(`{"admin":{"salt":"00","sha256":"11"}}`+"\n"), 0o600)
	os.WriteFile(f.config, []byte("data_dir: "+f.data+"\nmax_listeners: 77\n"), 0o640)
	return f
}

func playlists(t *testing.T, data string) []string {
	t.Helper()
	s, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB.Query(`SELECT name FROM playlists ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

// noEnv is an environment with nothing set but data (when not "").
func noEnv(data string) func(string) string {
	return func(k string) string {
		if k == "ONAIR_DATA" {
			return data
		}
		return ""
	}
}

func TestWriteThenRestoreElsewhere(t *testing.T) {
	ctx := context.Background()
	src := newFolder(t, "morning")
	file := filepath.Join(t.TempDir(), "onair.backup")
	m, err := Write(ctx, file, Options{DataDir: src.data, ConfigPath: src.config, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{ConfigName, credentials.FileName, store.FileName}; !slices.Equal(m.Files, want) {
		t.Errorf("files %q, want %q", m.Files, want)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, %v; want mode 0600", fi, err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".onair-backup-*")); len(left) > 0 {
		t.Errorf("left behind: %q", left)
	}
	if _, err := Write(ctx, file, Options{DataDir: src.data}); !errors.Is(err, ErrExists) {
		t.Errorf("Write over an existing file: %v, want ErrExists", err)
	}
	if _, err := Write(ctx, file, Options{DataDir: src.data, Force: true}); err != nil {
		t.Errorf("Write -force: %v", err)
	}
	if _, err := Write(ctx, file, Options{DataDir: src.data, ConfigPath: src.config, Version: "test", Force: true}); err != nil {
		t.Fatal(err)
	}

	// Into a fresh folder (the environment moves data_dir), the config to
	// a new place.
	fresh := filepath.Join(t.TempDir(), "fresh")
	cfgTo := filepath.Join(t.TempDir(), "restored.yaml")
	r, err := Restore(ctx, file, RestoreOptions{ConfigPath: cfgTo, Getenv: noEnv(fresh)})
	if err != nil {
		t.Fatal(err)
	}
	if r.DataDir != fresh || r.ConfigWritten != cfgTo || r.Manifest.Version != "test" || r.Manifest.ConfigPath != src.config {
		t.Errorf("restored %+v", r)
	}
	if got := playlists(t, fresh); !slices.Equal(got, []string{"morning"}) {
		t.Errorf("restored playlists %q", got)
	}
	for _, pair := range [][2]string{{src.config, cfgTo}, {filepath.Join(src.data, credentials.FileName), filepath.Join(fresh, credentials.FileName)}} {
		a, _ := os.ReadFile(pair[0])
		b, err := os.ReadFile(pair[1])
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s restored as %q, %v; want %q", pair[1], b, err, a)
		}
	}
	if fi, _ := os.Stat(cfgTo); fi == nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("a new config file's mode: %v", fi)
	}

	// Again: the database and a different config are there now.
	os.WriteFile(cfgTo, []byte("max_listeners: 5\n"), 0o644)
	os.Chmod(cfgTo, 0o644)
	_, err = Restore(ctx, file, RestoreOptions{ConfigPath: cfgTo, Getenv: noEnv(fresh)})
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), cfgTo) {
		t.Errorf("restore over a different config: %v, want ErrExists naming it", err)
	}
	_, err = Restore(ctx, file, RestoreOptions{Getenv: noEnv(fresh)})
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), store.FileName) {
		t.Errorf("restore over a database: %v, want ErrExists naming it", err)
	}
	if _, err := Restore(ctx, file, RestoreOptions{ConfigPath: cfgTo, Getenv: noEnv(fresh), Force: true}); err != nil {
		t.Fatalf("restore -force: %v", err)
	}
	if fi, _ := os.Stat(cfgTo); fi == nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("a replaced config file keeps its mode: %v", fi)
	}
}

// TestRestoreReplacesTheLog: with -force, the old database's write-ahead
// log is not replayed into the restored one.
func TestRestoreReplacesTheLog(t *testing.T) {
	ctx := context.Background()
	src := newFolder(t, "from-the-backup")
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := Write(ctx, file, Options{DataDir: src.data}); err != nil {
		t.Fatal(err)
	}
	dst := newFolder(t, "old")
	// An open store with a write still in its log, as a killed server
	// leaves it.
	s, err := store.Open(ctx, dst.data)
	if err != nil {
		t.Fatal(err)
	}
	s.DB.Exec(`INSERT INTO playlists (name, station, mode, created_at) VALUES ('in-the-log', 'main', 'looped', 1)`)
	if _, err := os.Stat(filepath.Join(dst.data, store.FileName+"-wal")); err != nil {
		t.Fatalf("no log to replay: %v", err)
	}
	// Copy the folder as it is now (database and log), as after a crash.
	crashed := t.TempDir()
	for _, n := range []string{store.FileName, store.FileName + "-wal"} {
		b, _ := os.ReadFile(filepath.Join(dst.data, n))
		os.WriteFile(filepath.Join(crashed, n), b, 0o600)
	}
	s.Close()
	if _, err := Restore(ctx, file, RestoreOptions{Getenv: noEnv(crashed), Force: true}); err != nil {
		t.Fatal(err)
	}
	if got := playlists(t, crashed); !slices.Equal(got, []string{"from-the-backup"}) {
		t.Errorf("playlists after restore -force: %q", got)
	}
	// The backup had a credentials file, so that one is the backup's;
	// without one, a stale file goes.
	os.Remove(filepath.Join(src.data, credentials.FileName))
	os.Remove(file)
	if _, err := Write(ctx, file, Options{DataDir: src.data}); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, file, RestoreOptions{Getenv: noEnv(crashed), Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(crashed, credentials.FileName)); err == nil {
		t.Error("a credentials file the backup does not hold stayed")
	}
}

func TestRestoreRefusesALockedFolder(t *testing.T) {
	ctx := context.Background()
	src := newFolder(t, "p")
	file := filepath.Join(t.TempDir(), "b")
	if _, err := Write(ctx, file, Options{DataDir: src.data}); err != nil {
		t.Fatal(err)
	}
	lock, err := store.LockDir(src.data) // what a running server holds
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	before, _ := os.ReadFile(filepath.Join(src.data, store.FileName))
	_, err = Restore(ctx, file, RestoreOptions{Getenv: noEnv(src.data), Force: true})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("restore on a locked folder: %v, want ErrLocked", err)
	}
	if after, _ := os.ReadFile(filepath.Join(src.data, store.FileName)); !bytes.Equal(before, after) {
		t.Error("the database changed")
	}
}

// TestBadBackupsTouchNothing: a damaged or foreign file is refused
// before anything in the data folder changes.
func TestBadBackupsTouchNothing(t *testing.T) {
	ctx := context.Background()
	src := newFolder(t, "p")
	file := filepath.Join(t.TempDir(), "b")
	if _, err := Write(ctx, file, Options{DataDir: src.data, ConfigPath: src.config}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(file)
	entries := readEntries(t, good)

	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not gzip", []byte("hello")},
		{"truncated", good[:len(good)*2/3]},
		{"damaged database", archive(t, entries, func(e *entry) {
			if e.name == store.FileName {
				for i := 100; i < len(e.data); i += 997 {
					e.data[i] ^= 0x5a
				}
			}
		})},
		{"bad config", archive(t, entries, func(e *entry) {
			if e.name == ConfigName {
				e.data = []byte("max_listeners: many\n")
			}
		})},
		{"foreign entry", archive(t, append([]entry{entries[0], {"../../etc/passwd", []byte("x")}}, entries[1:]...), nil)},
		{"no manifest", archive(t, entries[1:], nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			os.WriteFile(bad, tc.data, 0o600)
			fresh := filepath.Join(dir, "data-"+filepath.Base(bad))
			cfgTo := filepath.Join(dir, filepath.Base(bad)+".yaml")
			_, err := Restore(ctx, bad, RestoreOptions{ConfigPath: cfgTo, Getenv: noEnv(fresh)})
			if err == nil {
				t.Fatal("restored")
			}
			t.Log(err)
			if _, err := os.Stat(filepath.Join(fresh, store.FileName)); err == nil {
				t.Error("a database was written")
			}
			if _, err := os.Stat(cfgTo); err == nil {
				t.Error("a config was written")
			}
			if left, _ := filepath.Glob(filepath.Join(fresh, ".onair-restore-*")); len(left) > 0 {
				t.Errorf("left behind: %q", left)
			}
		})
	}
}

func TestWriteFailsCleanly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := filepath.Join(dir, "b")
	if _, err := Write(ctx, file, Options{DataDir: filepath.Join(dir, "nothing-here")}); !errors.Is(err, store.ErrNoDatabase) {
		t.Errorf("backup of no data folder: %v, want ErrNoDatabase", err)
	}
	src := newFolder(t, "p")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Write(cancelled, file, Options{DataDir: src.data}); err == nil {
		t.Error("a cancelled backup succeeded")
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("failed backups left %v", left)
	}
}

func readEntries(t *testing.T, data []byte) []entry {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out []entry
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out = append(out, entry{h.Name, b})
	}
}

// archive writes entries (each changed by edit first, when not nil) as a
// backup file would hold them.
func archive(t *testing.T, entries []entry, edit func(*entry)) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		e.data = bytes.Clone(e.data)
		if edit != nil {
			edit(&e)
		}
		tw.WriteHeader(&tar.Header{Name: e.name, Size: int64(len(e.data)), Mode: 0o600, Typeflag: tar.TypeReg})
		tw.Write(e.data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}
