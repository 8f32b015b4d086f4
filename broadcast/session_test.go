package broadcast

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// connectSource logs a source in on mount by one of the protocols players'
// sources use, and returns it ready for audio. kind is "source" (Icecast
// SOURCE), "put-expect" (PUT with Expect: 100-continue, as ffmpeg sends),
// "put" (PUT without Expect), "shoutcast" (v1 on the SHOUTcast port) or
// "shoutcast-http" (v1 sniffed on the HTTP port); the SHOUTcast kinds land
// on shoutcast_mount.
func connectSource(t *testing.T, ts *testServer, kind, mount string) *sourceClient {
	t.Helper()
	switch kind {
	case "source":
		return startIcecastSource(t, ts, mount, "")
	case "put-expect", "put":
		c := dial(t, ts.http)
		req := "PUT " + mount + " HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + basic("source", testSourcePass) +
			"\r\nContent-Type: audio/mpeg\r\n"
		if kind == "put-expect" {
			req += "Expect: 100-continue\r\n"
		}
		if _, err := io.WriteString(c, req+"\r\n"); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		for {
			status, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("%s source: %v", kind, err)
			}
			skipHeaders(t, br)
			if strings.HasPrefix(status, "HTTP/1.1 100") {
				continue
			}
			if !strings.HasPrefix(status, "HTTP/1.0 200") {
				t.Fatalf("%s source: %q", kind, status)
			}
			return &sourceClient{conn: c, br: br}
		}
	case "shoutcast", "shoutcast-http":
		addr := ts.shoutcast
		if kind == "shoutcast-http" {
			addr = ts.http
		}
		c := dial(t, addr)
		io.WriteString(c, testSourcePass+"\r\n")
		reply := make([]byte, len("OK2\r\nicy-caps:11\r\n\r\n"))
		if _, err := io.ReadFull(c, reply); err != nil || !strings.HasPrefix(string(reply), "OK2") {
			t.Fatalf("%s source: reply %q, %v", kind, reply, err)
		}
		io.WriteString(c, "content-type:audio/mpeg\r\nicy-name:DSP\r\nicy-br:128\r\n\r\n")
		return &sourceClient{conn: c}
	}
	t.Fatalf("unknown source kind %q", kind)
	return nil
}

// A new listener's burst starts no earlier than the current source's
// first frame: a show that ended moments ago is not replayed to it, by
// whichever protocol the new source logs in.
func TestBurstNeverReachesBackPastTheSourceSession(t *testing.T) {
	for _, kind := range []string{"source", "put-expect", "put", "shoutcast", "shoutcast-http", "after-refused"} {
		t.Run(kind, func(t *testing.T) {
			ts := startServer(t, func(o *Options) { o.Defaults.Grace = 5 * time.Second })
			login := kind
			if kind == "after-refused" {
				login = "source"
			}
			first := connectSource(t, ts, login, "/live")
			first.send(t, 100) // 41 KB: within a 64 KiB burst
			kept := listen(t, ts, "/live", true)
			kept.readFrames(t, 90)
			if kind == "after-refused" {
				// A second source is turned away while the first is on.
				c := dial(t, ts.http)
				io.WriteString(c, "SOURCE /live HTTP/1.0\r\nAuthorization: Basic "+basic("source", testSourcePass)+
					"\r\nContent-Type: audio/mpeg\r\n\r\n")
				if line, _ := bufio.NewReader(c).ReadString('\n'); !strings.Contains(line, "403") {
					t.Fatalf("second source on a busy mount: %q", line)
				}
			}
			first.conn.Close()
			m := ts.Mount("/live")
			testenv.WaitFor(t, "first source gone", func() bool { return !m.OnAir() })

			second := connectSource(t, ts, login, "/live")
			second.next = 1000
			second.send(t, 60)
			testenv.WaitFor(t, "second source's audio", func() bool { return m.OnAir() && m.HasAudio() && m.head.Load() >= 3 })
			fresh := listen(t, ts, "/live", true)
			nums := fresh.readFrames(t, 25)
			for _, n := range nums {
				if n < 1000 {
					t.Fatalf("a listener who joined the second source heard frame %d of the first: %v", n, nums)
				}
			}
			// The listener kept through the grace hears the stream go on.
			second.send(t, 30)
			got := kept.readFrames(t, 20)
			if got[0] != 90 && got[0] != 1000 && got[len(got)-1] < 1000 {
				t.Errorf("kept listener: %v", got)
			}
		})
	}
}

// mp3Frame48 is mp3Frame at 48 kHz: 128 kbps MPEG-1 layer III frames of
// 384 bytes, numbered like mp3Frame's.
func mp3Frame48(n int) []byte {
	f := make([]byte, 384)
	copy(f, []byte{0xFF, 0xFB, 0x94, 0x64})
	binary.BigEndian.PutUint32(f[4:], uint32(n))
	for i := 8; i < len(f); i++ {
		f[i] = byte(n + i)
	}
	return f
}

// When a source comes back within the grace time in another format, the
// listeners kept for it get the old stream to its end and are then closed,
// so their players reconnect and start afresh; they never get frames of
// the new format.
func TestFormatChangeClosesKeptListenersAtTheBoundary(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.Defaults.Grace = 5 * time.Second })
	first := startIcecastSource(t, ts, "/live", "")
	first.send(t, 60)
	kept := listen(t, ts, "/live", true)
	kept.readFrames(t, 40)
	first.send(t, 20)
	first.conn.Close()
	m := ts.Mount("/live")
	testenv.WaitFor(t, "first source gone", func() bool { return !m.OnAir() })

	second := startIcecastSource(t, ts, "/live", "")
	for n := range 200 {
		if _, err := second.conn.Write(mp3Frame48(2000 + n)); err != nil {
			t.Fatal(err)
		}
	}
	// The kept listener reads the 44.1 kHz frames it had not yet had, then
	// the end of its stream.
	last := -1
	for range 200 {
		f, err := kept.nextAudio(4)
		if err != nil {
			if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "EOF") {
				t.Fatalf("kept listener ended with %v, want a clean close", err)
			}
			break
		}
		if f[2] != 0x90 {
			t.Fatalf("kept listener got a frame header % x after frame %d: the new format leaked into the old stream", f, last)
		}
		rest, err := kept.nextAudio(417 - 4)
		if err != nil {
			t.Fatalf("kept listener: frame cut short: %v", err)
		}
		last = frameNumber(append(f, rest...))
	}
	if last != 79 {
		t.Errorf("kept listener's last frame %d, want 79 (the first source's last)", last)
	}
	// A new listener gets the new format from its first byte.
	fresh := listen(t, ts, "/live", true)
	for range 10 {
		f := fresh.readAudio(t, 384)
		if f[2] != 0x94 || frameNumber(f) < 2000 {
			t.Fatalf("new listener got % x (frame %d)", f[:4], frameNumber(f))
		}
	}
}

// A source that leaves a mount with no fallback: its listeners wait for
// source_grace, then are closed; with a grace of 0 they are closed at once,
// as Icecast does.
func TestSourceGraceThenClose(t *testing.T) {
	for _, grace := range []time.Duration{0, 1500 * time.Millisecond} {
		t.Run(grace.String(), func(t *testing.T) {
			ts := startServer(t, func(o *Options) {
				o.Defaults.Grace = grace
				o.Mounts = append(o.Mounts, MountConfig{Path: "/g"})
			})
			src := startIcecastSource(t, ts, "/g", "")
			src.send(t, 60)
			l := listen(t, ts, "/g", false)
			l.readFrames(t, 50)
			src.send(t, 10)
			l.readFrames(t, 10)
			left := time.Now()
			src.conn.Close()
			l.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err := io.Copy(io.Discard, l.br)
			waited := time.Since(left)
			if err != nil {
				t.Fatalf("listener ended with %v, want a clean close", err)
			}
			// Bounds on behaviour, not speed: the grace is kept (never
			// closed before it), and with none the close does not wait
			// for the source timeout (10 s here).
			if grace > 0 && waited < grace {
				t.Errorf("closed after %v, before the %v grace", waited, grace)
			}
			if grace == 0 && waited >= ts.Options().SourceTimeout {
				t.Errorf("with no grace, closed only after %v", waited)
			}
		})
	}
}

// A listener who asks for a mount while its source is away is served from
// its fallback and, with fallback_override, is moved back with everyone else
// when the source returns.
func TestFallbackOverrideTakesBackListenersWhoJoinedDuringTheOutage(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.Mounts = append(o.Mounts,
			MountConfig{Path: "/fb.mp3", Settings: MountSettings{Fallback: "/backup.mp3", FallbackOverride: true}},
			MountConfig{Path: "/backup.mp3"})
		o.Defaults.Grace = 2 * time.Second
	})
	backup := startIcecastSource(t, ts, "/backup.mp3", "")
	backup.next = 10000
	backup.send(t, 60)
	main := startIcecastSource(t, ts, "/fb.mp3", "")
	main.send(t, 60)
	before := listen(t, ts, "/fb.mp3", true)
	rb := before.background(t)
	feedUntil(t, "the main source", []*reader{rb}, func() bool { n := rb.last.Load(); return n >= 0 && n < 10000 }, backup, main)

	main.conn.Close()
	feedUntil(t, "the backup", []*reader{rb}, func() bool { return rb.last.Load() >= 10000 }, backup)
	// Past the grace: the outage is a real one.
	time.Sleep(2500 * time.Millisecond)
	during := listen(t, ts, "/fb.mp3", true)
	rd := during.background(t)
	feedUntil(t, "the backup for the new listener", []*reader{rb, rd}, func() bool { return rd.last.Load() >= 10000 }, backup)

	back := startIcecastSource(t, ts, "/fb.mp3", "")
	back.next = 20000
	feedUntil(t, "both listeners back on /fb.mp3", []*reader{rb, rd}, func() bool {
		return rb.last.Load() >= 20000 && rd.last.Load() >= 20000
	}, backup, back)
	if n := ts.Mount("/backup.mp3").connections.Load(); n != 0 {
		t.Errorf("%d listeners left on the backup", n)
	}
}
