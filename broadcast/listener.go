package broadcast

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"onair/accesslog"
)

// maxSegments bounds the buffers handed to one writev: audio runs and ICY
// blocks. 32 covers a 64 KiB burst with its ICY blocks in one call; it is
// per listener, so it is kept small.
const maxSegments = 32

// emptyBlock is the ICY block that says "title unchanged". Read-only.
var emptyBlock = []byte{0}

var (
	errKicked = errors.New("listener disconnected by an admin")
	errMoved  = errors.New("listener moved to another mount")
)

// cursor is where a listener stands in a mount's stream, and where its ICY
// metadata counter stands. The counter runs from the listener's first audio
// byte and is never reset, so framing survives source changes.
type cursor struct {
	seq      uint64    // next chunk to write
	off      int       // bytes of that chunk already written
	metaint  int       // 0 = the listener did not ask for metadata
	metaLeft int       // audio bytes before the next ICY block
	last     *Metadata // the metadata this listener was last sent
}

// compose appends to dst the buffers that take c from where it stands to
// the mount's head (or until dst is full), and returns the cursor as it
// will stand once they are all written. ok is false when the listener has
// been lapped and its next chunk is gone.
func (c cursor) compose(m *Mount, dst [][]byte) (_ [][]byte, next cursor, ok bool) {
	head := m.head.Load()
	for c.seq < head && len(dst) < maxSegments-1 {
		ch := m.chunkAt(c.seq)
		if ch == nil {
			return dst, c, false
		}
		for c.off < len(ch.data) && len(dst) < maxSegments-1 {
			if c.metaint > 0 && c.metaLeft == 0 {
				// The block goes before the next audio byte, with the title
				// in force at that byte: a title takes effect at the stream
				// position where it arrived.
				blk := emptyBlock
				if ch.meta != nil && ch.meta != c.last {
					blk = ch.meta.block
					c.last = ch.meta
				}
				dst = append(dst, blk)
				c.metaLeft = c.metaint
			}
			end := len(ch.data)
			if c.metaint > 0 && end-c.off > c.metaLeft {
				end = c.off + c.metaLeft
			}
			dst = append(dst, ch.data[c.off:end])
			if c.metaint > 0 {
				c.metaLeft -= end - c.off
			}
			c.off = end
		}
		if c.off < len(ch.data) {
			break
		}
		c.seq++
		c.off = 0
	}
	return dst, c, true
}

// listener is one connected player.
type listener struct {
	id          uint64
	conn        net.Conn  // the socket itself, written with writev
	closer      io.Closer // closes conn and gives back its per-IP slot
	ip          string
	userAgent   string
	connectedAt time.Time
	bytesSent   atomic.Int64
	kick        chan struct{}
	access      *accesslog.Entry // its request, for the access log; nil when that is off
	kbps        int64            // what it counts against max_bandwidth_kbps

	// A listener is counted once it has stayed countAfter: VLC opens a
	// connection, drops it on seeing icy-* headers and opens another, and
	// that play should count once.
	counted atomic.Bool
	countAt time.Time
	onCount func(*Mount)

	home   atomic.Pointer[Mount] // the mount it asked for, even while on a fallback
	move   chan *Mount           // where an admin or a fallback sends it
	moveTo *Mount

	cur  cursor
	segs [maxSegments][]byte
	wbuf net.Buffers // a field, so writev's argument never escapes per write
}

// writeAvailable writes everything the mount has published beyond the
// listener's cursor. prefix (response headers) goes out with the first
// write.
func (l *listener) writeAvailable(m *Mount, prefix []byte) error {
	for range 64 {
		if m.lapped(l.cur.seq) {
			return ErrListenerLapped
		}
		segs := l.segs[:0]
		if prefix != nil {
			segs = append(segs, prefix)
			prefix = nil
		}
		segs, next, ok := l.cur.compose(m, segs)
		if !ok {
			return ErrListenerLapped
		}
		if len(segs) == 0 {
			return nil
		}
		l.wbuf = segs
		if err := l.conn.SetWriteDeadline(time.Now().Add(m.Settings.WriteTimeout)); err != nil {
			return err
		}
		n, err := l.wbuf.WriteTo(l.conn)
		clear(l.segs[:len(segs)]) // drop references to old chunks
		l.bytesSent.Add(n)
		if err != nil {
			return err
		}
		l.cur = next
	}
	return nil
}

// serve streams to the listener until it leaves, is kicked, or the mount
// closes. It wakes when the mount publishes, at most once per WakeInterval.
func (l *listener) serve(m *Mount, headers []byte) error {
	prefix := headers
	for {
		wait := m.notify.Load()
		if err := l.writeAvailable(m, prefix); err != nil {
			return err
		}
		prefix = nil
		if l.onCount != nil && !l.counted.Load() && !time.Now().Before(l.countAt) {
			l.counted.Store(true)
			l.onCount(m)
		}
		select {
		case <-*wait:
		case <-l.kick:
			return errKicked
		case to := <-l.move:
			l.moveTo = to
			return errMoved
		case <-m.closed:
			return ErrMountClosed
		}
	}
}
