package library

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/codec/tags"
	"onair/internal/leakcheck"
	"onair/internal/testenv"
	"onair/store"
)

// newTestLibrary opens a store in a temporary folder and a library of dirs.
func newTestLibrary(t testing.TB, dirs ...string) (*Library, *store.Store) {
	t.Helper()
	leakcheck.Check(t) // scans and Run stop their workers before they return
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st, dirs, nil), st
}

// copyFixture copies the fixture name from src into dst (as rel, default
// name) and returns the copy's path.
func copyFixture(t testing.TB, src, name, dst, rel string) string {
	t.Helper()
	if rel == "" {
		rel = name
	}
	b, err := os.ReadFile(filepath.Join(src, name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dst, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mustScan scans and fails the test on an error.
func mustScan(t testing.TB, l *Library) ScanResult {
	t.Helper()
	res, err := l.Scan(context.Background())
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return res
}

// wantCounts compares a scan's counts (Took aside).
func wantCounts(t testing.TB, got, want ScanResult) {
	t.Helper()
	got.Took = 0
	if got != want {
		t.Errorf("scan counted %+v, want %+v", got, want)
	}
}

// trackAt returns the row of the file at path (failing when none).
func trackAt(t testing.TB, st *store.Store, l *Library, path string) Track {
	t.Helper()
	var id int64
	if err := st.DB.QueryRow(`SELECT id FROM tracks WHERE path = ?`, path).Scan(&id); err != nil {
		t.Fatalf("no row for %s: %v", path, err)
	}
	tr, err := l.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// id3v2 returns an ID3v2.4 tag with UTF-8 artist, title and album frames.
func id3v2(artist, title, album string) []byte {
	var frames []byte
	for _, f := range [][2]string{{"TPE1", artist}, {"TIT2", title}, {"TALB", album}} {
		if f[1] == "" {
			continue
		}
		data := append([]byte{3}, f[1]...) // 3: UTF-8
		frames = append(frames, f[0]...)
		frames = append(frames, syncsafe(len(data))...)
		frames = append(frames, 0, 0)
		frames = append(frames, data...)
	}
	return append(append([]byte{'I', 'D', '3', 4, 0, 0}, syncsafe(len(frames))...), frames...)
}

func syncsafe(n int) []byte {
	return []byte{byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
}

// withoutID3v2 returns the MP3 file b past its ID3v2 tag.
func withoutID3v2(b []byte) []byte {
	if n, ok := tags.ID3v2Size(b); ok {
		return b[n:]
	}
	return b
}

func TestScan(t *testing.T) {
	fx := makeProbeFixtures(t, t.TempDir())
	ctx := context.Background()

	t.Run("add, broken files flagged, unchanged rescan", func(t *testing.T) {
		dir := t.TempDir()
		for _, n := range []string{"cbr44.mp3", "vbr44.mp3", "tone.ogg", "text.mp3", "truncated.mp3"} {
			copyFixture(t, fx, n, dir, "")
		}
		copyFixture(t, fx, "vbr22.mp3", dir, "sub/deeper/vbr22.mp3")
		copyFixture(t, fx, "cbr44.mp3", dir, "._cbr44.mp3")    // a macOS companion file
		copyFixture(t, fx, "cbr44.mp3", dir, ".Trash/old.mp3") // a hidden folder
		copyFixture(t, fx, "text.mp3", dir, "notes.txt")       // not Playable
		l, st := newTestLibrary(t, dir)
		v := l.Version()
		wantCounts(t, mustScan(t, l), ScanResult{Added: 6, Failed: 1})
		if l.Version() == v {
			t.Error("Version did not change after adding files")
		}
		vbr := trackAt(t, st, l, filepath.Join(dir, "vbr44.mp3"))
		if vbr.Artist != "Ünïcode Bänd" || vbr.Title != "Variable Tone" || vbr.Format != "mp3" ||
			vbr.SampleRate != 44100 || vbr.Error != "" || vbr.Missing || vbr.Bitrate == 0 {
			t.Errorf("vbr44.mp3: %+v", vbr)
		}
		// Exact for VBR: the tone is 3 s (TestProbeDurationExact compares with FFmpeg).
		if d := vbr.DurationMS - 3000; d < -30 || d > 30 {
			t.Errorf("vbr44.mp3 lasts %d ms, want 3000", vbr.DurationMS)
		}
		if ogg := trackAt(t, st, l, filepath.Join(dir, "tone.ogg")); ogg.Format != "ogg" || ogg.DurationMS != 3000 || ogg.Title != "Ogg Tone" {
			t.Errorf("tone.ogg: %+v", ogg)
		}
		text := trackAt(t, st, l, filepath.Join(dir, "text.mp3"))
		if text.Error == "" || text.Playable() {
			t.Errorf("text.mp3 is not flagged: %+v", text)
		}
		if tr := trackAt(t, st, l, filepath.Join(dir, "truncated.mp3")); tr.Error != "" || tr.DurationMS < 1500 || tr.DurationMS > 2000 {
			t.Errorf("truncated.mp3 should play its 60 %%: %+v", tr)
		}
		if found, _ := l.Search(ctx, "text", 0); len(found) != 1 || found[0].Error == "" {
			t.Errorf("the broken file is not listed with its error: %+v", found)
		}

		// A rescan with nothing changed reads no file: a file replaced
		// by garbage of the same size and time goes unnoticed.
		path := filepath.Join(dir, "cbr44.mp3")
		fi, _ := os.Stat(path)
		if err := os.WriteFile(path, bytes.Repeat([]byte{'x'}, int(fi.Size())), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
		v = l.Version()
		wantCounts(t, mustScan(t, l), ScanResult{Unchanged: 6})
		if l.Version() != v {
			t.Error("Version changed on a rescan that changed nothing")
		}
		if tr := trackAt(t, st, l, path); tr.Error != "" {
			t.Errorf("unchanged file probed again: %+v", tr)
		}
	})

	t.Run("edit, remove, reappear, rename", func(t *testing.T) {
		dir := t.TempDir()
		a := copyFixture(t, fx, "cbr44.mp3", dir, "a.mp3")
		b := copyFixture(t, fx, "vbr44.mp3", dir, "b.mp3")
		c := copyFixture(t, fx, "tone.ogg", dir, "c.ogg")
		l, st := newTestLibrary(t, dir)
		wantCounts(t, mustScan(t, l), ScanResult{Added: 3})
		ta, tb, tc := trackAt(t, st, l, a), trackAt(t, st, l, b), trackAt(t, st, l, c)

		// Edit: new tags and a new length.
		cut, err := os.ReadFile(filepath.Join(fx, "truncated.mp3"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(a, append(id3v2("New Artist", "New Title", ""), withoutID3v2(cut)...), 0o644); err != nil {
			t.Fatal(err)
		}
		v := l.Version()
		wantCounts(t, mustScan(t, l), ScanResult{Updated: 1, Unchanged: 2})
		if got := trackAt(t, st, l, a); got.ID != ta.ID || got.Artist != "New Artist" || got.Title != "New Title" ||
			got.Album != "" || got.DurationMS == ta.DurationMS || got.DurationMS < 1500 {
			t.Errorf("after the edit: %+v (before %+v)", got, ta)
		}
		if l.Version() == v {
			t.Error("Version did not change after an edit")
		}

		// Remove b, which a playlist lists.
		res, err := st.DB.Exec(`INSERT INTO playlists (name, station, mode, created_at) VALUES ('p', 'main', 'looped', 1)`)
		if err != nil {
			t.Fatal(err)
		}
		pl, _ := res.LastInsertId()
		if _, err := st.DB.Exec(`INSERT INTO playlist_items (playlist_id, pos, track_id) VALUES (?, 0, ?)`, pl, tb.ID); err != nil {
			t.Fatal(err)
		}
		bBytes, _ := os.ReadFile(b)
		bInfo, _ := os.Stat(b)
		os.Remove(b)
		wantCounts(t, mustScan(t, l), ScanResult{Removed: 1, Unchanged: 2})
		got, err := l.Get(ctx, tb.ID)
		if err != nil || !got.Missing || got.Playable() {
			t.Errorf("removed file: %+v, %v", got, err)
		}
		var items int
		st.DB.QueryRow(`SELECT count(*) FROM playlist_items WHERE track_id = ?`, tb.ID).Scan(&items)
		if items != 1 {
			t.Errorf("the playlist lost the removed file's item")
		}
		if found, _ := l.Search(ctx, "variable", 0); len(found) != 0 {
			t.Errorf("search lists a missing file: %+v", found)
		}
		if m, err := l.Tracks(ctx, []int64{tb.ID, tc.ID, 9999}); err != nil || !m[tb.ID].Missing || m[tc.ID].Missing ||
			!m[9999].Missing || m[9999].Playable() || m[tc.ID].Path != c {
			t.Errorf("Tracks: %+v, %v", m, err)
		}

		// b reappears as it was.
		restore := func(path string) {
			t.Helper()
			if err := os.WriteFile(path, bBytes, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(path, bInfo.ModTime(), bInfo.ModTime()); err != nil {
				t.Fatal(err)
			}
		}
		restore(b)
		wantCounts(t, mustScan(t, l), ScanResult{Added: 1, Unchanged: 2})
		if got, _ := l.Get(ctx, tb.ID); got.Missing || got.Path != b {
			t.Errorf("reappeared file: %+v", got)
		}

		// Renamed and moved into a subfolder: same row.
		moved := filepath.Join(dir, "sub", "b renamed.mp3")
		os.MkdirAll(filepath.Dir(moved), 0o755)
		if err := os.Rename(b, moved); err != nil {
			t.Fatal(err)
		}
		v = l.Version()
		wantCounts(t, mustScan(t, l), ScanResult{Renamed: 1, Unchanged: 2})
		if got, _ := l.Get(ctx, tb.ID); got.Missing || got.Path != moved || got.Title != "Variable Tone" {
			t.Errorf("renamed file: %+v", got)
		}
		if l.Version() == v {
			t.Error("Version did not change after a rename")
		}

		// Gone in one scan, back under another name in a later one.
		os.Remove(moved)
		wantCounts(t, mustScan(t, l), ScanResult{Removed: 1, Unchanged: 2})
		again := filepath.Join(dir, "b again.mp3")
		restore(again)
		wantCounts(t, mustScan(t, l), ScanResult{Renamed: 1, Unchanged: 2})
		if got, _ := l.Get(ctx, tb.ID); got.Missing || got.Path != again {
			t.Errorf("file back under a new name: %+v", got)
		}
		var n int
		st.DB.QueryRow(`SELECT count(*) FROM tracks`).Scan(&n)
		if n != 3 {
			t.Errorf("%d rows for 3 files", n)
		}
	})

	t.Run("unreadable folder", func(t *testing.T) {
		ok, gone := t.TempDir(), filepath.Join(t.TempDir(), "nas")
		copyFixture(t, fx, "cbr44.mp3", ok, "")
		inGone := copyFixture(t, fx, "vbr44.mp3", gone, "")
		l, st := newTestLibrary(t, ok, gone)
		wantCounts(t, mustScan(t, l), ScanResult{Added: 2})
		// The share is unmounted; meanwhile a file is added elsewhere.
		if err := os.Rename(gone, gone+".away"); err != nil {
			t.Fatal(err)
		}
		copyFixture(t, fx, "tone.ogg", ok, "")
		res, err := l.Scan(ctx)
		if err == nil || !strings.Contains(err.Error(), gone) {
			t.Errorf("scan error %v, want one naming %s", err, gone)
		}
		wantCounts(t, res, ScanResult{Added: 1, Unchanged: 1})
		if tr := trackAt(t, st, l, inGone); tr.Missing {
			t.Error("a file of the unreadable folder was marked missing")
		}
		if os.Geteuid() == 0 {
			return // root reads anything: the permission case below cannot be made
		}
		os.Rename(gone+".away", gone)
		sub := filepath.Join(ok, "locked")
		copyFixture(t, fx, "vbr22.mp3", sub, "")
		wantCounts(t, mustScan(t, l), ScanResult{Added: 1, Unchanged: 3})
		os.Chmod(sub, 0)
		defer os.Chmod(sub, 0o755)
		res, err = l.Scan(ctx)
		if err == nil || !errors.Is(err, os.ErrPermission) {
			t.Errorf("scan error %v, want a permission error", err)
		}
		wantCounts(t, res, ScanResult{Unchanged: 3})
		if tr := trackAt(t, st, l, filepath.Join(sub, "vbr22.mp3")); tr.Missing {
			t.Error("a file of the unreadable folder was marked missing")
		}
	})

	t.Run("symlinked media folder", func(t *testing.T) {
		real := t.TempDir()
		copyFixture(t, fx, "cbr44.mp3", real, "")
		link := filepath.Join(t.TempDir(), "music")
		if err := os.Symlink(real, link); err != nil {
			t.Skip(err)
		}
		l, _ := newTestLibrary(t, link)
		wantCounts(t, mustScan(t, l), ScanResult{Added: 1})
		if u, _ := l.Under(ctx, []string{link}); len(u) != 1 || u[0].Path != filepath.Join(link, "cbr44.mp3") {
			t.Errorf("Under the link: %+v", u)
		}
	})

	t.Run("search and under", func(t *testing.T) {
		base := t.TempDir()
		a, b, sibling := filepath.Join(base, "music"), filepath.Join(base, "music2"), filepath.Join(base, "musicx")
		copyFixture(t, fx, "cbr44.mp3", a, "")
		copyFixture(t, fx, "vbr44.mp3", a, "sub/vbr44.mp3")
		copyFixture(t, fx, "text.mp3", a, "")
		copyFixture(t, fx, "tone.ogg", b, "")
		copyFixture(t, fx, "vbr48.mp3", b, "Untagged 100%_off.mp3")
		copyFixture(t, fx, "vbr22.mp3", sibling, "")
		l, _ := newTestLibrary(t, a, b)
		mustScan(t, l)
		titles := func(ts []Track) []string {
			out := []string{}
			for _, t := range ts {
				out = append(out, filepath.Base(t.Path))
			}
			return out
		}
		for _, c := range []struct {
			q     string
			limit int
			want  []string
		}{
			{"", 0, []string{"text.mp3", "Untagged 100%_off.mp3", "cbr44.mp3", "tone.ogg", "vbr44.mp3"}},
			{"", 2, []string{"text.mp3", "Untagged 100%_off.mp3"}},
			{"TONE", 0, []string{"cbr44.mp3", "tone.ogg", "vbr44.mp3"}},
			{"testers   constant", 0, []string{"cbr44.mp3"}},
			{"testers variable", 0, []string{}},
			{"ÜNÏCODE tone", 0, []string{"vbr44.mp3"}},
			{"bänd", 0, []string{"vbr44.mp3"}},
			{"sub/", 0, []string{"vbr44.mp3"}},
			{"100%_", 0, []string{"Untagged 100%_off.mp3"}},
			{"%", 0, []string{"Untagged 100%_off.mp3"}},
			{"_", 0, []string{"Untagged 100%_off.mp3"}},
			{"no such thing", 0, []string{}},
		} {
			got, err := l.Search(ctx, c.q, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !slices.Equal(titles(got), c.want) {
				t.Errorf("Search(%q, %d) = %q, want %q", c.q, c.limit, titles(got), c.want)
			}
		}
		if got, _ := l.Search(ctx, "nothing", 0); got == nil {
			t.Error("Search returned nil")
		} else if j, _ := json.Marshal(got); string(j) != "[]" {
			t.Errorf("no results are %s in JSON", j)
		}
		for _, c := range []struct {
			dirs []string
			want []string
		}{
			{[]string{a}, []string{"cbr44.mp3", "vbr44.mp3"}}, // text.mp3 does not play
			{[]string{b}, []string{"Untagged 100%_off.mp3", "tone.ogg"}},
			{[]string{a, b, a}, []string{"cbr44.mp3", "vbr44.mp3", "Untagged 100%_off.mp3", "tone.ogg"}},
			{[]string{filepath.Join(a, "sub")}, []string{"vbr44.mp3"}},
			{[]string{sibling}, []string{}},
			{[]string{a + "/"}, []string{"cbr44.mp3", "vbr44.mp3"}},
		} {
			got, err := l.Under(ctx, c.dirs)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !slices.Equal(titles(got), c.want) {
				t.Errorf("Under(%q) = %q, want %q", c.dirs, titles(got), c.want)
			}
		}
		if _, err := l.Get(ctx, 12345); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get of no track: %v", err)
		}
	})

	t.Run("concurrent scans", func(t *testing.T) {
		dir := t.TempDir()
		for i, n := range []string{"cbr44.mp3", "vbr44.mp3", "tone.ogg", "vbr22.mp3"} {
			copyFixture(t, fx, n, dir, string(rune('a'+i))+"-"+n)
		}
		l, st := newTestLibrary(t, dir)
		var wg sync.WaitGroup
		results := make([]ScanResult, 4)
		for i := range results {
			wg.Go(func() {
				r, err := l.Scan(ctx)
				if err != nil {
					t.Error(err)
				}
				results[i] = r
			})
		}
		wg.Wait()
		added := 0
		for _, r := range results {
			added += r.Added
		}
		var n int
		st.DB.QueryRow(`SELECT count(*) FROM tracks`).Scan(&n)
		if added != 4 || n != 4 {
			t.Errorf("4 scans added %d, the table has %d rows: %+v", added, n, results)
		}
	})

	t.Run("run and rescan", func(t *testing.T) {
		dir := t.TempDir()
		copyFixture(t, fx, "cbr44.mp3", dir, "")
		l, _ := newTestLibrary(t, dir)
		ctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			l.Run(ctx, time.Hour)
		}()
		has := func(q string) bool {
			found, err := l.Search(ctx, q, 0)
			return err == nil && len(found) == 1
		}
		testenv.WaitFor(t, "the first scan", func() bool { return has("constant") })
		copyFixture(t, fx, "tone.ogg", dir, "")
		l.Rescan()
		l.Rescan() // at most one more pending; never blocks
		testenv.WaitFor(t, "the rescan", func() bool { return has("vorbis") })
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	})
}

// TestScanUnreadableFile checks that a file that could not be read is
// listed with an error and tried again by the next scans (a chmod does
// not change a file's modification time).
func TestScanUnreadableFile(t *testing.T) {
	fx := makeProbeFixtures(t, t.TempDir())
	dir := t.TempDir()
	path := copyFixture(t, fx, "cbr44.mp3", dir, "")
	os.Mkdir(filepath.Join(dir, "dir.mp3"), 0o755) // not a file: ignored
	l, st := newTestLibrary(t, dir)
	if os.Geteuid() != 0 {
		os.Chmod(path, 0)
		wantCounts(t, mustScan(t, l), ScanResult{Added: 1, Failed: 1})
		if tr := trackAt(t, st, l, path); !strings.HasPrefix(tr.Error, "unreadable: ") {
			t.Errorf("unreadable file: %+v", tr)
		}
		wantCounts(t, mustScan(t, l), ScanResult{Unchanged: 1, Failed: 1})
		os.Chmod(path, 0o644)
	} else {
		// Root reads anything: make the row look like an earlier failure.
		st.DB.Exec(`INSERT INTO tracks (path, size, mtime_ns, error, added_at) VALUES (?, 1, -1, 'unreadable: open: permission denied', 0)`, path)
		var res ScanResult
		l.scanTake(scanDone{scanJob: scanJob{path: path, id: 1, prev: "unreadable: open: permission denied"},
			err: &os.PathError{Op: "open", Path: path, Err: os.ErrPermission}}, &res, &scanWriter{l: l})
		wantCounts(t, res, ScanResult{Unchanged: 1, Failed: 1})
	}
	wantCounts(t, mustScan(t, l), ScanResult{Updated: 1})
	if tr := trackAt(t, st, l, path); tr.Error != "" || tr.Title != "Constant Tone" {
		t.Errorf("readable again: %+v", tr)
	}
}

func TestScanCancel(t *testing.T) {
	fx := makeProbeFixtures(t, t.TempDir())
	dir := t.TempDir()
	for i := range 40 {
		copyFixture(t, fx, "cbr44.mp3", dir, filepath.Join("d", string(rune('a'+i%26))+strings.Repeat("x", i)+".mp3"))
	}
	l, _ := newTestLibrary(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Scan(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("scan with an ended context: %v", err)
	}
	// The next scan does the work.
	if res := mustScan(t, l); res.Added != 40 {
		t.Errorf("added %d of 40", res.Added)
	}
}
