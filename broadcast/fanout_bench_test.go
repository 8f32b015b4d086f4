package broadcast

import (
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// BenchmarkMountWrite measures the shared ring: one op is one chunk of 10
// frames (about 0.26 s of a 128 kbps stream) published and written by
// every listener, with ICY metadata. wake=every-chunk wakes listeners for
// each chunk (the worst case); wake=1s is the default batching, where
// each listener writes about four chunks per wake-up.
func BenchmarkMountWrite(b *testing.B) {
	for _, wake := range []time.Duration{0, time.Second} {
		for _, n := range []int{10, 1000, 10000} {
			name := fmt.Sprintf("listeners=%d/wake=%v", n, wake)
			if wake == 0 {
				name = fmt.Sprintf("listeners=%d/wake=every-chunk", n)
			}
			b.Run(name, func(b *testing.B) { benchMountWrite(b, n, wake) })
		}
	}
}

func benchMountWrite(b *testing.B, n int, wake time.Duration) {
	{
		{
			m := NewMount("/b", MountSettings{BurstSize: 64 << 10, Metaint: 16000, WakeInterval: wake, WriteTimeout: time.Second})
			frame := mp3Frame(0)
			var wg sync.WaitGroup
			conns := make([]*countConn, n)
			var written atomic.Int64
			for i := range n {
				conns[i] = &countConn{}
				l := &listener{conn: conns[i], kick: make(chan struct{}), cur: cursor{metaint: 16000, metaLeft: 16000}}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = l.serve(m, nil)
				}()
			}
			target := int64(0)
			b.ReportAllocs()
			b.ResetTimer()
			now := time.Now()
			for i := range b.N {
				for range 10 {
					m.WriteFrame(frame, now)
				}
				if i%20 == 0 {
					m.SetTitle(fmt.Sprintf("title %d", i), "", now)
				}
				m.publish(now)
				now = now.Add(261 * time.Millisecond) // the chunk's audio time
				target = m.pos
				// Let the listeners catch up before the next chunk, as they
				// would in real time; otherwise the ring laps them.
				if i%64 == 63 {
					m.wake(now)
					waitWritten(conns, target)
				}
			}
			m.wake(now)
			waitWritten(conns, target)
			b.StopTimer()
			m.Close()
			wg.Wait()
			for _, c := range conns {
				written.Add(c.n.Load())
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/listener-chunk")
		}
	}
}

// BenchmarkListenerMemory reports the memory each waiting listener costs
// (goroutine stack, listener state), beyond the kernel's socket buffers.
func BenchmarkListenerMemory(b *testing.B) {
	const n = 10000
	for range b.N {
		m := NewMount("/b", MountSettings{BurstSize: 64 << 10, Metaint: 16000, WakeInterval: time.Hour, WriteTimeout: time.Second})
		now := time.Now()
		for i := range 200 {
			m.WriteFrame(mp3Frame(i), now)
		}
		m.Flush(now)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		var wg sync.WaitGroup
		conns := make([]*countConn, n)
		for i := range n {
			conns[i] = &countConn{}
			l := &listener{conn: conns[i], kick: make(chan struct{}), cur: cursor{seq: m.burstStart(), metaint: 16000, metaLeft: 16000}}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = l.serve(m, []byte("HTTP/1.0 200 OK\r\n\r\n"))
			}()
		}
		waitWritten(conns, 60<<10)
		runtime.GC()
		runtime.ReadMemStats(&after)
		used := (after.HeapInuse + after.StackInuse) - (before.HeapInuse + before.StackInuse)
		b.ReportMetric(float64(used)/n, "bytes/listener")
		m.Close()
		wg.Wait()
	}
}

// waitWritten spins until every conn received at least target audio bytes
// (metadata makes it slightly more).
func waitWritten(conns []*countConn, target int64) {
	for range 1_000_000 {
		done := true
		for _, c := range conns {
			if c.n.Load() < target {
				done = false
				break
			}
		}
		if done {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// BenchmarkQueueWrite is the alternative design for comparison: a bounded
// queue of chunk pointers per listener (the writer pushes to every queue).
func BenchmarkQueueWrite(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("listeners=%d", n), func(b *testing.B) {
			queues := make([]chan *chunk, n)
			conns := make([]*countConn, n)
			var wg sync.WaitGroup
			for i := range n {
				q := make(chan *chunk, ringSlots)
				queues[i] = q
				conns[i] = &countConn{}
				c := conns[i]
				wg.Add(1)
				go func() {
					defer wg.Done()
					var segs [maxSegments][]byte
					var wbuf net.Buffers
					left := 16000
					for ch := range q {
						s := segs[:0]
						data := ch.data
						for len(data) > 0 {
							if left == 0 {
								s = append(s, emptyBlock)
								left = 16000
							}
							k := min(len(data), left)
							s = append(s, data[:k])
							data, left = data[k:], left-k
						}
						wbuf = s
						_, _ = wbuf.WriteTo(c)
					}
				}()
			}
			frame := mp3Frame(0)
			var pos int64
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				data := make([]byte, 0, 4096+2048)
				for range 10 {
					data = append(data, frame...)
				}
				pos += int64(len(data))
				ch := &chunk{seq: uint64(i), data: data}
				for _, q := range queues {
					select {
					case q <- ch:
					default: // a full queue would drop the listener
					}
				}
				if i%64 == 63 {
					waitWritten(conns, pos)
				}
			}
			waitWritten(conns, pos)
			b.StopTimer()
			for _, q := range queues {
				close(q)
			}
			wg.Wait()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/listener-chunk")
		})
	}
}

// BenchmarkICYCompose measures splicing metadata into one listener's
// writes: composing the buffers for 16 chunks with a title change.
func BenchmarkICYCompose(b *testing.B) {
	m := NewMount("/b", MountSettings{WakeInterval: time.Hour})
	now := time.Now()
	m.SetTitle("Artist - Title", "", now)
	for i := range 16 * 10 {
		m.WriteFrame(mp3Frame(i), now)
	}
	m.Flush(now)
	var segs [maxSegments][]byte
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c := cursor{seq: 0, metaint: 16000, metaLeft: 16000}
		out, _, ok := c.compose(m, segs[:0])
		if !ok || len(out) == 0 {
			b.Fatal("nothing composed")
		}
	}
}
