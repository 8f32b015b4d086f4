package broadcast

import (
	"errors"
	"math"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// errStalled drops a listener whose socket took nothing for the mount's
// write timeout.
var errStalled = errors.New("listener took no audio for the write timeout")

// scratch holds the buffers one write is composed in: a writer's own, or
// a connecting listener's for its burst.
type scratch struct {
	segs  [maxSegments][]byte
	after [maxSegments]cursor
	// bufs is what a blocking write consumes, backed by bufArr.
	bufs   net.Buffers
	bufArr [maxSegments][]byte
	raw    rawWriter // the non-blocking writev, where the platform has one
}

// flush writes what l is due on its mount, up to chunk limit. Blocking
// writes wait up to the mount's write timeout; non-blocking ones take what
// the socket takes now and leave the rest for the next pass. boundary is
// true when l has everything before a session its player cannot follow.
func (sc *scratch) flush(l *listener, limit uint64, now time.Time, blocking bool) (boundary bool, err error) {
	m := l.mount
	// Bounded: a burst or a long backlog takes a few writes of
	// maxSegments buffers each.
	for range 8 {
		if m.lapped(l.cur.seq) {
			return false, ErrListenerLapped
		}
		l.cur.join(m)
		segs, after, atBoundary, ok := l.cur.compose(m, sc.segs[:0], sc.after[:0], limit)
		if !ok {
			return false, ErrListenerLapped
		}
		if len(segs) == 0 {
			l.stalled = time.Time{}
			return atBoundary, nil
		}
		total := 0
		for _, s := range segs {
			total += len(s)
		}
		var n int
		if blocking || l.raw == nil {
			n, err = sc.writeWaiting(l, segs, now)
		} else {
			n, err = sc.raw.writev(l.raw, segs)
		}
		l.cur = advanced(l.cur, segs, after, n)
		clear(segs)
		clear(after)
		l.bytesSent.Add(int64(n))
		switch {
		case err != nil:
			return false, err
		case n < total:
			// The socket is full: the rest waits for the next pass. A
			// socket that takes nothing at all for the write timeout
			// belongs to a player that stopped reading.
			if n > 0 || l.stalled.IsZero() {
				l.stalled = now
			} else if now.Sub(l.stalled) >= m.Settings().WriteTimeout {
				return false, errStalled
			}
			return false, nil
		}
		l.stalled = time.Time{}
		if atBoundary {
			return true, nil
		}
	}
	return false, nil
}

// writeWaiting writes segs to l's socket, waiting up to the write timeout.
func (sc *scratch) writeWaiting(l *listener, segs [][]byte, now time.Time) (int, error) {
	if err := l.conn.SetWriteDeadline(now.Add(l.mount.Settings().WriteTimeout)); err != nil {
		return 0, err
	}
	var n int
	var err error
	if l.raw != nil {
		n, err = sc.raw.writevAll(l.raw, segs)
	} else {
		// WriteTo consumes the buffers it is given: hand it a copy, since
		// segs are still needed to tell where the cursor stands.
		sc.bufs = append(sc.bufArr[:0], segs...)
		var n64 int64
		n64, err = sc.bufs.WriteTo(l.conn)
		n = int(n64)
		clear(sc.bufArr[:len(segs)])
	}
	if err != nil && isTimeout(err) {
		err = errStalled
	}
	return n, err
}

// writer serves listeners from one goroutine: it wakes once per interval
// and writes each of its listeners what the mount published since. Wake-
// ups, not bytes, are what listeners cost, so one wake-up serves many, and
// a write never waits: a full socket keeps its place for the next pass.
// A solo writer serves one listener whose socket cannot be written without
// waiting (TLS), and ends with it.
type writer struct {
	srv      *Server
	interval time.Duration
	solo     bool
	inbox    chan *listener
	pokes    chan struct{} // a listener was kicked or moved: act now
	done     <-chan struct{}
	load     atomic.Int64 // listeners it serves or is about to

	ls []*listener
	sc scratch
}

func newWriter(s *Server, solo bool) *writer {
	w := &writer{srv: s, interval: s.opts.WakeInterval, solo: solo, pokes: make(chan struct{}, 1), done: s.shutdown}
	if solo {
		w.inbox = make(chan *listener, 1)
	} else {
		w.inbox = make(chan *listener, 256)
	}
	w.sc.raw = newRawWriter()
	return w
}

// poke makes the writer act on its listeners' flags now rather than at
// its next wake-up.
func (w *writer) poke() {
	select {
	case w.pokes <- struct{}{}:
	default:
	}
}

func (w *writer) run() {
	t := time.NewTicker(w.interval)
	t.Stop()
	defer t.Stop()
	for {
		select {
		case <-w.done:
			for _, l := range w.ls {
				w.srv.leave(l, ErrMountClosed)
			}
			w.ls = nil
			for {
				select {
				case l := <-w.inbox:
					w.srv.leave(l, ErrMountClosed)
				default:
					return
				}
			}
		case l := <-w.inbox:
			// Its burst has just been written: it is due again at the
			// next wake-up, like the others.
			if len(w.ls) == 0 {
				t.Reset(w.interval)
			}
			w.ls = append(w.ls, l)
			continue
		case <-w.pokes:
		case <-t.C:
		}
		w.pass(time.Now())
		if len(w.ls) == 0 {
			if w.solo {
				return
			}
			t.Stop()
		}
	}
}

// pass serves every listener once and lets go of those that are done.
func (w *writer) pass(now time.Time) {
	for i := 0; i < len(w.ls); {
		l := w.ls[i]
		if err := w.serve(l, now); err != nil {
			w.srv.leave(l, err)
			last := len(w.ls) - 1
			w.ls[i], w.ls[last] = w.ls[last], nil
			w.ls = w.ls[:last]
			w.load.Add(-1)
			continue
		}
		i++
	}
}

// serve acts on l's flags and writes what it is due; an error means l is
// done, and says why.
func (w *writer) serve(l *listener, now time.Time) error {
	s := w.srv
	for range 2 {
		if l.kicked.Load() {
			return errKicked
		}
		if l.mount.shut.Load() {
			return ErrMountClosed
		}
		limit := uint64(math.MaxUint64)
		if to := l.moveTo.Load(); to != nil {
			if !l.cur.atChunkStart() {
				// Finish the chunk under way, so no frame is cut.
				limit = l.cur.seq + 1
			} else {
				l.moveTo.Store(nil)
				if err := s.moveListener(l, to); err != nil {
					return err
				}
			}
		}
		boundary, err := w.sc.flush(l, limit, now, w.solo)
		if err != nil {
			return err
		}
		m := l.mount
		if boundary || m.gone.Load() && l.moveTo.Load() == nil && l.cur.atChunkStart() && l.cur.seq >= m.head.Load() {
			return errStreamEnded
		}
		s.countIfDue(l, now)
		if l.moveTo.Load() == nil || !l.cur.atChunkStart() {
			return nil
		}
		// The chunk under way is out: move now, not a wake-up later.
	}
	return nil
}

// writerPool is the server's writers, one per CPU: enough to use every
// core when thousands of listeners are due at once, few enough that each
// wake-up serves many.
type writerPool struct {
	writers []*writer
	wg      sync.WaitGroup
	srv     *Server
}

func newWriterPool(s *Server) *writerPool {
	p := &writerPool{srv: s}
	for range max(1, runtime.GOMAXPROCS(0)) {
		w := newWriter(s, false)
		p.writers = append(p.writers, w)
		p.wg.Go(w.run)
	}
	return p
}

// assign picks the writer for l: the least loaded of the pool, or a solo
// writer of its own when its socket cannot be written without waiting.
func (p *writerPool) assign(l *listener) *writer {
	if l.raw == nil {
		w := newWriter(p.srv, true)
		w.load.Add(1)
		return w
	}
	best := p.writers[0]
	for _, w := range p.writers[1:] {
		if w.load.Load() < best.load.Load() {
			best = w
		}
	}
	best.load.Add(1)
	return best
}

// add hands l, its burst written, to its writer (starting a solo one);
// false when the server is closing.
func (p *writerPool) add(l *listener) bool {
	select {
	case <-l.w.done:
		return false
	case l.w.inbox <- l:
	}
	if l.w.solo {
		p.wg.Go(l.w.run)
	}
	return true
}
