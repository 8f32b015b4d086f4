package library

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

// listDir returns the names in dir, hidden ones included, sorted.
func listDir(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func TestUpload(t *testing.T) {
	fx := makeProbeFixtures(t, t.TempDir())
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(fx, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	mp3, ogg := read("cbr44.mp3"), read("tone.ogg")
	ctx := context.Background()
	base := t.TempDir()
	dir := filepath.Join(base, "music")
	other := filepath.Join(base, "elsewhere")
	os.MkdirAll(other, 0o755)
	l, st := newTestLibrary(t, dir, filepath.Join(base, "jingles"))

	t.Run("valid MP3", func(t *testing.T) {
		v := l.Version()
		tr, err := l.Upload(ctx, dir, "My Song.mp3", bytes.NewReader(mp3), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		want := filepath.Join(dir, "My Song.mp3")
		if tr.ID == 0 || tr.Path != want || tr.Format != "mp3" || tr.Title != "Constant Tone" ||
			tr.DurationMS != 3000 || tr.Error != "" || tr.Missing {
			t.Errorf("upload returned %+v", tr)
		}
		if got, err := l.Get(ctx, tr.ID); err != nil || got != tr {
			t.Errorf("the library has %+v, %v; want %+v", got, err, tr)
		}
		if b, _ := os.ReadFile(want); !bytes.Equal(b, mp3) {
			t.Error("the stored file differs from the upload")
		}
		if l.Version() == v {
			t.Error("Version did not change")
		}
		if got := listDir(t, dir); !slices.Equal(got, []string{"My Song.mp3"}) {
			t.Errorf("the folder holds %q", got)
		}
		// A scan finds nothing new (and that jingles/ does not exist yet).
		if res, _ := l.Scan(ctx); res.Unchanged != 1 || res.Added+res.Updated != 0 {
			t.Errorf("a scan after the upload: %+v", res)
		}
	})

	t.Run("duplicate name", func(t *testing.T) {
		for _, want := range []string{"dup.mp3", "dup (2).mp3", "dup (3).mp3"} {
			tr, err := l.Upload(ctx, dir, "dup.MP3", bytes.NewReader(mp3), 0)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Path != filepath.Join(dir, want) {
				t.Errorf("stored as %s, want %s", tr.Path, want)
			}
		}
	})

	t.Run("concurrent uploads of one name", func(t *testing.T) {
		paths := make([]string, 4)
		var wg sync.WaitGroup
		for i := range paths {
			wg.Go(func() {
				tr, err := l.Upload(ctx, dir, "same.mp3", bytes.NewReader(mp3), 0)
				if err != nil {
					t.Error(err)
				}
				paths[i] = tr.Path
			})
		}
		wg.Wait()
		slices.Sort(paths)
		if len(slices.Compact(paths)) != 4 {
			t.Errorf("4 uploads stored as %q", paths)
		}
	})

	t.Run("Ogg under a wrong name", func(t *testing.T) {
		tr, err := l.Upload(ctx, dir, "vorbis.mp3", bytes.NewReader(ogg), 0)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Path != filepath.Join(dir, "vorbis.ogg") || tr.Format != "ogg" {
			t.Errorf("upload returned %+v", tr)
		}
	})

	t.Run("hostile names stay inside", func(t *testing.T) {
		for _, c := range []struct{ name, want string }{
			{"../../etc/passwd", "passwd.mp3"},
			{`..\..\x.mp3`, "x.mp3"},
			{"..", "upload.mp3"},
			{"/", "upload (2).mp3"},
			{".hidden.mp3", "hidden.mp3"},
			{"a\x00b\nc\x7f.mp3", "abc.mp3"},
			{"C:\\Music\\win.mp3", "win.mp3"},
			{"what?<is>|this*:.mp3", "whatisthis.mp3"},
			{"nul.mp3", "_nul.mp3"},
			{"song.v1.2", "song.v1.2.mp3"},
			{strings.Repeat("é", 300), strings.Repeat("é", 100) + ".mp3"},
		} {
			tr, err := l.Upload(ctx, dir, c.name, bytes.NewReader(mp3), 0)
			if err != nil {
				t.Errorf("%q: %v", c.name, err)
				continue
			}
			if tr.Path != filepath.Join(dir, c.want) {
				t.Errorf("%q stored as %q, want %q", c.name, tr.Path, filepath.Join(dir, c.want))
			}
		}
		if got := listDir(t, other); len(got) != 0 {
			t.Errorf("files outside the media folder: %q", got)
		}
		if _, err := os.Stat(filepath.Join(base, "passwd.mp3")); err == nil {
			t.Error("a file landed above the media folder")
		}
	})

	t.Run("text named .mp3", func(t *testing.T) {
		before := listDir(t, dir)
		_, err := l.Upload(ctx, dir, "fake.mp3", bytes.NewReader(read("text.mp3")), 0)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "fake.mp3: not an MP3 or Ogg Vorbis file") {
			t.Errorf("error %v", err)
		}
		if got := listDir(t, dir); !slices.Equal(got, before) {
			t.Errorf("left behind: %q, before %q", got, before)
		}
	})

	t.Run("refused content", func(t *testing.T) {
		before := listDir(t, dir)
		for name, content := range map[string][]byte{
			"garbage.mp3": read("garbage.mp3"),
			"opus.ogg":    read("opus.ogg"),
			"junk.mp3":    read("mostlyjunk.mp3"),
			"empty.mp3":   nil,
		} {
			if _, err := l.Upload(ctx, dir, name, bytes.NewReader(content), 0); !errors.Is(err, ErrInvalid) {
				t.Errorf("%s: %v, want ErrInvalid", name, err)
			}
		}
		if got := listDir(t, dir); !slices.Equal(got, before) {
			t.Errorf("left behind: %q, before %q", got, before)
		}
	})

	t.Run("over the limit", func(t *testing.T) {
		before := listDir(t, dir)
		_, err := l.Upload(ctx, dir, "big.mp3", bytes.NewReader(mp3), int64(len(mp3)-1))
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("error %v, want ErrTooLarge", err)
		}
		if got := listDir(t, dir); !slices.Equal(got, before) {
			t.Errorf("left behind: %q", got)
		}
		// Exactly at the limit is fine.
		if _, err := l.Upload(ctx, dir, "just.mp3", bytes.NewReader(mp3), int64(len(mp3))); err != nil {
			t.Errorf("at the limit: %v", err)
		}
	})

	t.Run("read error", func(t *testing.T) {
		before := listDir(t, dir)
		r := io.MultiReader(bytes.NewReader(mp3[:1000]), iotest.ErrReader(errors.New("connection reset")))
		if _, err := l.Upload(ctx, dir, "broken.mp3", r, 0); err == nil || !strings.Contains(err.Error(), "connection reset") {
			t.Errorf("error %v", err)
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := l.Upload(cctx, dir, "late.mp3", bytes.NewReader(mp3), 0); !errors.Is(err, context.Canceled) {
			t.Errorf("with an ended context: %v", err)
		}
		if got := listDir(t, dir); !slices.Equal(got, before) {
			t.Errorf("left behind: %q", got)
		}
	})

	t.Run("not a media folder", func(t *testing.T) {
		for _, d := range []string{other, filepath.Join(dir, ".."), filepath.Join(dir, "sub")} {
			if _, err := l.Upload(ctx, d, "x.mp3", bytes.NewReader(mp3), 0); !errors.Is(err, ErrInvalid) {
				t.Errorf("upload into %s: %v, want ErrInvalid", d, err)
			}
		}
		if got := listDir(t, other); len(got) != 0 {
			t.Errorf("files in a folder that is not the library's: %q", got)
		}
		// The second media folder does not exist yet: it is made.
		tr, err := l.Upload(ctx, filepath.Join(base, "jingles")+"/", "ding.mp3", bytes.NewReader(mp3), 0)
		if err != nil || tr.Path != filepath.Join(base, "jingles", "ding.mp3") {
			t.Errorf("upload into a new media folder: %+v, %v", tr, err)
		}
	})

	t.Run("a link in the way is not followed", func(t *testing.T) {
		target := filepath.Join(other, "victim.mp3")
		if err := os.Symlink(target, filepath.Join(dir, "trap.mp3")); err != nil {
			t.Skip(err)
		}
		tr, err := l.Upload(ctx, dir, "trap.mp3", bytes.NewReader(mp3), 0)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Path != filepath.Join(dir, "trap (2).mp3") {
			t.Errorf("stored as %s", tr.Path)
		}
		if _, err := os.Lstat(target); err == nil {
			t.Error("the upload was written through a symbolic link")
		}
	})

	var n int
	st.DB.QueryRow(`SELECT count(*) FROM tracks WHERE path NOT LIKE ?`, dir+"%").Scan(&n)
	if n != 1 { // jingles/ding.mp3
		t.Errorf("%d rows outside the media folder", n)
	}
}

func TestUploadFileName(t *testing.T) {
	for _, c := range []struct{ in, format, want string }{
		{"song.mp3", "mp3", "song.mp3"},
		{"song.OGG", "mp3", "song.mp3"},
		{"song", "ogg", "song.ogg"},
		{"...", "mp3", "upload.mp3"},
		{" . .mp3", "mp3", "upload.mp3"},
		{"a/b\\c.txt", "mp3", "c.mp3"},
		{"Ünïcode – ♫.mp3", "mp3", "Ünïcode – ♫.mp3"},
		{"\xff\xfe.mp3", "mp3", "upload.mp3"},
		{"trailing dots...mp3", "ogg", "trailing dots.ogg"},
	} {
		if got := uploadFileName(c.in, c.format); got != c.want {
			t.Errorf("uploadFileName(%q, %q) = %q, want %q", c.in, c.format, got, c.want)
		}
	}
}
