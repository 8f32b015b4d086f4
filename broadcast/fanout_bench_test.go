package broadcast

import (
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"onair/codec/ogg"
)

// countConn is a net.Conn whose writes are counted and dropped, so the
// benchmarks measure the fan-out, not the kernel.
type countConn struct {
	net.Conn
	n atomic.Int64
}

func (c *countConn) Write(p []byte) (int, error)      { c.n.Add(int64(len(p))); return len(p), nil }
func (c *countConn) SetWriteDeadline(time.Time) error { return nil }
func (c *countConn) Close() error                     { return nil }

// benchWriter is a writer of a server that is never started, for driving
// passes by hand.
func benchWriter() (*Server, *writer) {
	s := New(Options{WakeInterval: time.Hour})
	return s, newWriter(s, false)
}

// benchListener puts a listener on m, served by w, as a connect would.
func benchListener(s *Server, w *writer, m *Mount, conn net.Conn) *listener {
	l := &listener{
		id: s.nextID.Add(1), conn: conn, raw: rawConnOf(conn), closer: conn, mount: m, w: w,
		cur: cursor{seq: m.burstStart(), metaint: 16000, metaLeft: 16000},
	}
	l.counted.Store(true)
	w.ls = append(w.ls, l)
	return l
}

// BenchmarkWriterPass measures one writer's wake-up: one op is a second
// of a 128 kbps stream (four chunks of ten frames, a title every 20
// chunks) published by the source and then written to every listener in
// one pass, with ICY metadata. Sockets are in-memory writers, so this is
// the server's own cost, not the kernel's.
func BenchmarkWriterPass(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("listeners=%d", n), func(b *testing.B) {
			s, w := benchWriter()
			defer s.Close()
			m := NewMount("/b", MountSettings{BurstSize: 64 << 10, Metaint: 16000, WriteTimeout: time.Second})
			for range n {
				benchListener(s, w, m, &countConn{})
			}
			frame := mp3Frame(0)
			now := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				for c := range 4 {
					if (4*i+c)%20 == 0 {
						m.SetTitle(fmt.Sprintf("title %d", i), "", now)
					}
					for range 10 {
						m.WriteFrame(frame, now)
					}
				}
				m.Flush(now)
				w.pass(now)
				now = now.Add(time.Second)
			}
			b.StopTimer()
			if len(w.ls) != n {
				b.Fatalf("%d of %d listeners left", n-len(w.ls), n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/listener-pass")
		})
	}
}

// BenchmarkListenerMemory reports what a listener costs the server while
// it waits between wake-ups (its state, none of it a goroutine), beyond
// the kernel's socket and the connection's own.
func BenchmarkListenerMemory(b *testing.B) {
	const n = 10000
	for range b.N {
		s, w := benchWriter()
		m := NewMount("/b", MountSettings{BurstSize: 64 << 10, Metaint: 16000, WriteTimeout: time.Second})
		now := time.Now()
		for i := range 200 {
			m.WriteFrame(mp3Frame(i), now)
		}
		m.Flush(now)
		conns := make([]countConn, n)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range n {
			benchListener(s, w, m, &conns[i])
		}
		w.pass(now)
		runtime.GC()
		runtime.ReadMemStats(&after)
		used := (after.HeapInuse + after.StackInuse) - (before.HeapInuse + before.StackInuse)
		b.ReportMetric(float64(used)/n, "bytes/listener")
		runtime.KeepAlive(w)
		s.Close()
	}
}

// BenchmarkICYCompose measures splicing metadata into one listener's
// writes: composing the buffers for 16 chunks with a title change.
func BenchmarkICYCompose(b *testing.B) {
	m := NewMount("/b", MountSettings{})
	now := time.Now()
	m.SetTitle("Artist - Title", "", now)
	for i := range 16 * 10 {
		m.WriteFrame(mp3Frame(i), now)
	}
	m.Flush(now)
	var segs [maxSegments][]byte
	var after [maxSegments]cursor
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c := cursor{seq: 0, metaint: 16000, metaLeft: 16000}
		out, _, _, ok := c.compose(m, segs[:0], after[:0], math.MaxUint64)
		if !ok || len(out) == 0 {
			b.Fatal("nothing composed")
		}
	}
}

// socketPair returns the server's end of a connected pair of sockets, as
// a net.Conn with a descriptor, and the player's end, drained until closed.
func socketPair(t testing.TB) net.Conn {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(io.Discard, conns[1])
	}()
	t.Cleanup(func() {
		conns[0].Close()
		conns[1].Close()
		<-done
	})
	return conns[0]
}

// A writer's pass over listeners on real sockets allocates nothing: not
// per listener, not per write.
func TestWriterPassAllocatesNothing(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("non-blocking writev is Linux's")
	}
	s, w := benchWriter()
	defer s.Close()
	m := NewMount("/b", MountSettings{BurstSize: 64 << 10, Metaint: 16000, WriteTimeout: time.Second})
	for range 20 {
		l := benchListener(s, w, m, socketPair(t))
		if l.raw == nil {
			t.Fatal("a socket without a descriptor")
		}
	}
	frame := mp3Frame(0)
	now := time.Now()
	// A second of audio published and written out, against the same
	// published alone: chunks are the source's allocations.
	publish := func(m *Mount) {
		for range 40 {
			m.WriteFrame(frame, now)
		}
		m.Flush(now)
	}
	alone := NewMount("/alone", MountSettings{})
	base := testing.AllocsPerRun(50, func() { publish(alone) })
	withPass := testing.AllocsPerRun(50, func() {
		publish(m)
		w.pass(now)
	})
	if extra := withPass - base; extra > 0.5 {
		t.Errorf("a pass over 20 listeners allocates %.1f times", extra)
	}
	if len(w.ls) != 20 {
		t.Fatalf("%d of 20 listeners were dropped", 20-len(w.ls))
	}
	var sent int64
	for _, l := range w.ls {
		sent += l.bytesSent.Load()
	}
	if sent == 0 {
		t.Error("nothing was written")
	}
}

// BenchmarkWriterPassFormat compares the fan-out of Ogg pages with that
// of MP3 frames at the same byte rate, at 1,000 listeners. One op is a
// second of a 128 kbps stream published and written to every listener in
// one pass. MP3: 40 frames of 417 bytes, with ICY metadata and a title
// every 20 chunks, as BenchmarkWriterPass. Ogg: four audio pages of the
// same 16,680 bytes in all, no ICY, and a new chain (two header pages,
// with its title in the comments) every five seconds, so that chunks
// carry a chain's headers as their lead.
func BenchmarkWriterPassFormat(b *testing.B) {
	const n = 1000
	b.Run("format=mp3", func(b *testing.B) {
		s, w := benchWriter()
		defer s.Close()
		m := NewMount("/b", MountSettings{BurstSize: 64 << 10, Metaint: 16000, WriteTimeout: time.Second})
		for range n {
			benchListener(s, w, m, &countConn{})
		}
		frame := mp3Frame(0)
		now := time.Now()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			for c := range 4 {
				if (4*i+c)%20 == 0 {
					m.SetTitle(fmt.Sprintf("title %d", i), "", now)
				}
				for range 10 {
					m.WriteFrame(frame, now)
				}
			}
			m.Flush(now)
			w.pass(now)
			now = now.Add(time.Second)
		}
		b.StopTimer()
		reportPerListener(b, w, n, 40*len(frame))
	})
	b.Run("format=ogg", func(b *testing.B) {
		s, w := benchWriter()
		defer s.Close()
		m := NewMount("/b", MountSettings{BurstSize: 64 << 10, WriteTimeout: time.Second})
		for range n {
			l := benchListener(s, w, m, &countConn{})
			l.cur = cursor{seq: m.burstStart(), joining: true}
		}
		// Each audio page: 27 bytes of header, 17 of lacing (16 full
		// segments and a short one), 4,126 of packet: 4,170 bytes, a
		// quarter of the MP3 second.
		body := make([]byte, 4126)
		audio := oggPage(0, 7, 2, 1024, body)
		if len(audio) != 40*417/4 {
			b.Fatalf("audio page of %d bytes", len(audio))
		}
		// The chains' header pages are made before the clock runs: the
		// source's splitter hands them over, the fan-out does not make them.
		var chains [8][][]byte
		for i := range chains {
			chains[i], _ = oggChain(uint32(7+i), fmt.Sprintf("title %d", i), 0)
		}
		chain := func(i int, now time.Time) {
			heads := chains[i%len(chains)]
			m.WritePage(heads[0], &ogg.PageInfo{Codec: ogg.Vorbis, First: true, Header: true}, now)
			m.WritePage(heads[1], &ogg.PageInfo{Codec: ogg.Vorbis, Header: true, Done: true}, now)
		}
		start := &ogg.PageInfo{Codec: ogg.Vorbis, Start: true}
		now := time.Now()
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if i%5 == 0 {
				chain(i/5, now)
			}
			for range 4 {
				m.WritePage(audio, start, now)
			}
			m.Flush(now)
			w.pass(now)
			now = now.Add(time.Second)
		}
		b.StopTimer()
		reportPerListener(b, w, n, len(audio)*4)
	})
}

// reportPerListener checks that every listener stayed and got at least
// the audio, and reports the pass's cost per listener.
func reportPerListener(b *testing.B, w *writer, n, perOp int) {
	b.Helper()
	if len(w.ls) != n {
		b.Fatalf("%d of %d listeners left", n-len(w.ls), n)
	}
	if got := w.ls[0].conn.(*countConn).n.Load(); got < int64(perOp*(b.N-1)) {
		b.Fatalf("a listener got %d bytes of %d ops of %d", got, b.N, perOp)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/listener-pass")
}
