package accesslog

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/internal/leakcheck"
	"onair/internal/testenv"
)

var start = time.Date(2026, time.November, 21, 10, 0, 0, 0, time.UTC)

func vlcEntry() Entry {
	return Entry{
		IP: "127.0.0.1", User: "admin", Method: "GET", URI: "/stream", Proto: "HTTP/1.1",
		Status: 200, Bytes: 123456, UserAgent: "VLC/3.0.18 LibVLC/3.0.18",
		Start: start, Duration: 360*time.Second + 900*time.Millisecond,
	}
}

func TestLineFormat(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		edit func(*Entry)
		want string
	}{
		{"icecast example", func(*Entry) {},
			`127.0.0.1 - admin [21/Nov/2026:10:00:00 +0000] "GET /stream HTTP/1.1" 200 123456 "-" "VLC/3.0.18 LibVLC/3.0.18" 360`},
		{"empty user referer agent", func(e *Entry) { e.User, e.UserAgent = "", "" },
			`127.0.0.1 - - [21/Nov/2026:10:00:00 +0000] "GET /stream HTTP/1.1" 200 123456 "-" "-" 360`},
		{"referer", func(e *Entry) { e.Referer = "https://radio.example.org/" },
			`127.0.0.1 - admin [21/Nov/2026:10:00:00 +0000] "GET /stream HTTP/1.1" 200 123456 "https://radio.example.org/" "VLC/3.0.18 LibVLC/3.0.18" 360`},
		{"404 without bytes", func(e *Entry) { e.URI, e.Status, e.Bytes, e.Duration = "/nope?x=1", 404, 0, 0 },
			`127.0.0.1 - admin [21/Nov/2026:10:00:00 +0000] "GET /nope?x=1 HTTP/1.1" 404 0 "-" "VLC/3.0.18 LibVLC/3.0.18" 0`},
		{"shoutcast source", func(e *Entry) {
			*e = Entry{IP: "10.0.0.7", User: "dj", Method: "SOURCE", URI: "/live", Proto: "ICY", Status: 200,
				Bytes: 5_000_000, UserAgent: "SHOUTcast Source DSP v2.4.2", Start: start, Duration: 3 * time.Hour}
		}, `10.0.0.7 - dj [21/Nov/2026:10:00:00 +0000] "SOURCE /live ICY" 200 5000000 "-" "SHOUTcast Source DSP v2.4.2" 10800`},
		{"ipv6 and local zone", func(e *Entry) { e.IP, e.Start = "::1", start.In(paris) },
			`::1 - admin [21/Nov/2026:11:00:00 +0100] "GET /stream HTTP/1.1" 200 123456 "-" "VLC/3.0.18 LibVLC/3.0.18" 360`},
		{"no request", func(e *Entry) { *e = Entry{Start: start} },
			`- - - [21/Nov/2026:10:00:00 +0000] "-" - 0 "-" "-" 0`},
		{"negative bytes and duration", func(e *Entry) { e.Bytes, e.Duration = -1, -time.Second },
			`127.0.0.1 - admin [21/Nov/2026:10:00:00 +0000] "GET /stream HTTP/1.1" 200 0 "-" "VLC/3.0.18 LibVLC/3.0.18" 0`},
		{"user with a space", func(e *Entry) { e.User = "dj one" },
			`127.0.0.1 - dj\x20one [21/Nov/2026:10:00:00 +0000] "GET /stream HTTP/1.1" 200 123456 "-" "VLC/3.0.18 LibVLC/3.0.18" 360`},
		{"utf-8 kept", func(e *Entry) { e.UserAgent = "Radio Ça Va/1.0" },
			`127.0.0.1 - admin [21/Nov/2026:10:00:00 +0000] "GET /stream HTTP/1.1" 200 123456 "-" "Radio Ça Va/1.0" 360`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := vlcEntry()
			tt.edit(&e)
			got := string(appendLine(nil, e))
			if got != tt.want+"\n" {
				t.Errorf("line\n got %q\nwant %q", got, tt.want+"\n")
			}
		})
	}
}

func TestLineEscaping(t *testing.T) {
	tests := []struct {
		name, agent, want string
	}{
		{"quote and newline", "Evil\" 200 1 \"-\" \"x\n1.2.3.4 - - [x]", `"Evil\" 200 1 \"-\" \"x\x0a1.2.3.4 - - [x]"`},
		{"CR and tab", "a\r\tb", `"a\x0d\x09b"`},
		{"backslash", `C:\agent\`, `"C:\\agent\\"`},
		{"DEL and NUL", "a\x7f\x00b", `"a\x7f\x00b"`},
		{"broken UTF-8", "a\xffb", `"a\xffb"`},
		{"NEL and line separator", "a\u0085b\u2028c", `"a\xc2\x85b\xe2\x80\xa8c"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := vlcEntry()
			e.UserAgent = tt.agent
			line := string(appendLine(nil, e))
			if !strings.HasSuffix(line, " "+tt.want+" 360\n") {
				t.Errorf("line %q does not end with the agent %s", line, tt.want)
			}
			if strings.Count(line, "\n") != 1 || strings.Contains(line, "\r") {
				t.Errorf("line %q is not one line", line)
			}
		})
	}
	t.Run("request line", func(t *testing.T) {
		e := vlcEntry()
		e.URI = "/a b\"c"
		line := string(appendLine(nil, e))
		if want := `"GET /a\x20b\"c HTTP/1.1"`; !strings.Contains(line, want) {
			t.Errorf("line %q does not hold %s", line, want)
		}
	})
}

// readLines returns the lines of the file at path.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// entryN is an entry told apart by its URI.
func entryN(n int) Entry {
	e := vlcEntry()
	e.URI = "/stream?n=" + strconv.Itoa(n)
	return e
}

func TestCloseFlushes(t *testing.T) {
	leakcheck.Check(t) // no writer goroutine outlives its Log
	path := filepath.Join(t.TempDir(), "access.log")
	// An existing file is appended to.
	if err := os.WriteFile(path, []byte("old line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		l.Write(entryN(i))
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	lines := readLines(t, path)
	if l.Dropped() != 0 {
		t.Fatalf("dropped %d entries with a queue of %d", l.Dropped(), DefaultQueueSize)
	}
	if len(lines) != 1001 || lines[0] != "old line" {
		t.Fatalf("got %d lines (first %q), want the old one and 1000 more", len(lines), lines[0])
	}
	for i, line := range lines[1:] {
		if !strings.Contains(line, "/stream?n="+strconv.Itoa(i)+" ") {
			t.Fatalf("line %d is %q", i+1, line)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o600 != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}

	// After Close: Write drops, Reopen refuses, Close again is harmless.
	l.Write(entryN(1))
	if l.Dropped() != 1 {
		t.Errorf("Dropped after a Write on a closed log = %d, want 1", l.Dropped())
	}
	if err := l.Reopen(); err != ErrClosed {
		t.Errorf("Reopen after Close = %v, want ErrClosed", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestFlushWhileOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Write(entryN(1))
	// The queue empties at once, so the line reaches the file without a
	// Close; tail -f sees it.
	testenv.WaitFor(t, "the line in the file", func() bool { return len(readLines(t, path)) == 1 })
}

// Every entry is either written or counted as dropped, even with writers
// racing Close.
func TestConcurrentWritesAndClose(t *testing.T) {
	leakcheck.Check(t) // no writer goroutine outlives its Log
	path := filepath.Join(t.TempDir(), "access.log")
	l, err := Open(path, WithQueueSize(64))
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				l.Write(entryN(w*each + i))
			}
		})
	}
	time.Sleep(time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	lines := readLines(t, path)
	if got := int64(len(lines)) + l.Dropped(); got != writers*each {
		t.Fatalf("%d lines + %d dropped = %d, want %d", len(lines), l.Dropped(), got, writers*each)
	}
}

func TestReopenAfterRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Write(entryN(1))
	l.Write(entryN(2))
	// What logrotate does: rename, then SIGHUP. Lines written before
	// Reopen belong to the old file.
	rotated := path + ".1"
	if err := os.Rename(path, rotated); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err != nil {
		t.Fatalf("Reopen: %v", err)
	}
	l.Write(entryN(3))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	old, cur := readLines(t, rotated), readLines(t, path)
	if len(old) != 2 || !strings.Contains(old[1], "n=2 ") {
		t.Errorf("rotated file: %q", old)
	}
	if len(cur) != 1 || !strings.Contains(cur[0], "n=3 ") {
		t.Errorf("new file: %q", cur)
	}
}

func TestReopenFailsKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "logs", "access.log")
	if err := os.Mkdir(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Rename(filepath.Dir(path), filepath.Join(dir, "moved")); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Reopen with the folder gone = %v", err)
	}
	l.Write(entryN(1))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, filepath.Join(dir, "moved", "access.log")); len(got) != 1 {
		t.Fatalf("the old file got %q, want the line", got)
	}
}

func TestFullQueueDrops(t *testing.T) {
	leakcheck.Check(t) // no writer goroutine outlives its Log
	path := filepath.Join(t.TempDir(), "access.log")
	// The writer is not started yet: it stands for a disk that stalls.
	l, err := open(path, WithQueueSize(2))
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	for i := range 5 {
		l.Write(entryN(i))
	}
	if took := time.Since(began); took > time.Second {
		t.Fatalf("5 writes to a full queue took %v", took)
	}
	if got := l.Dropped(); got != 3 {
		t.Fatalf("Dropped = %d, want 3", got)
	}
	go l.run()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, path); len(got) != 2 {
		t.Fatalf("file holds %d lines, want the 2 queued", len(got))
	}
}

func TestOpenErrors(t *testing.T) {
	leakcheck.Check(t) // no writer goroutine outlives its Log
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-folder", "access.log")
	_, err := Open(missing)
	if err == nil || !strings.Contains(err.Error(), "no-such-folder does not exist") {
		t.Errorf("Open in a missing folder = %v", err)
	}
	if _, err := Open(dir); err == nil || !strings.HasPrefix(err.Error(), "access log: ") {
		t.Errorf("Open of a folder = %v", err)
	}
	if _, err := Open(""); err == nil {
		t.Error("Open(\"\") succeeded")
	}
}

func TestWriteErrorReportedOnce(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /dev/full")
	}
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	var out bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&out, nil))
	l, err := Open("/dev/full", WithLogger(logger))
	if err != nil {
		t.Skipf("open /dev/full: %v", err)
	}
	// Reopen waits for the writer to write and flush what is queued: three
	// failed flushes in a row.
	for i := range 3 {
		l.Write(entryN(i))
		if err := l.Reopen(); err != nil {
			t.Fatalf("Reopen: %v", err)
		}
	}
	l.Write(entryN(4))
	_ = l.Close() // the final flush fails too; that is the caller's to see
	if n := strings.Count(out.String(), "level=ERROR"); n != 1 {
		t.Fatalf("%d error reports, want 1:\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), "no space left on device") {
		t.Errorf("report does not name the error:\n%s", out.String())
	}
}

func BenchmarkAppendLine(b *testing.B) {
	e := vlcEntry()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendLine(buf[:0], e)
	}
}
