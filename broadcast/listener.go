package broadcast

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"onair/accesslog"
)

// maxSegments bounds the buffers handed to one writev: audio runs and ICY
// blocks. 32 covers a 64 KiB burst with its ICY blocks in one call.
const maxSegments = 32

// emptyBlock is the ICY block that says "title unchanged". Read-only.
var emptyBlock = []byte{0}

var (
	errKicked = errors.New("listener disconnected by an admin")
	// errStreamEnded closes a listener cleanly: its source left and no
	// other came in time, or one came with a format its player cannot
	// follow.
	errStreamEnded = errors.New("stream ended")
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
	// gen and format are the source session the listener follows; gen 0
	// follows whichever it meets next (a new or moved listener).
	gen    uint64
	format streamFormat
	// pend is the rest of a buffer that a write cut short; it goes out
	// before anything else, so framing holds across partial writes.
	pend []byte
	// joining is set until the listener's first chunk (on a mount, after
	// a move too): an Ogg listener must begin where a decoder can, with
	// its chain's header pages.
	joining bool
}

// compose appends to dst the buffers that take c from where it stands
// towards the mount's head (stopping at limit, or when dst is full), and to
// after the cursor as it stands once each of them is written. boundary is
// true when it stopped at a session whose format the listener's player
// cannot follow; ok is false when the listener was lapped and its next
// chunk is gone.
func (c cursor) compose(m *Mount, dst [][]byte, after []cursor, limit uint64) (_ [][]byte, _ []cursor, boundary, ok bool) {
	if len(c.pend) > 0 {
		dst = append(dst, c.pend)
		c.pend = nil
		after = append(after, c)
	}
	head := min(m.head.Load(), limit)
	for c.seq < head && len(dst) < maxSegments-1 {
		ch := m.chunkAt(c.seq)
		if ch == nil {
			return dst, after, false, false
		}
		if ch.gen != c.gen {
			if c.gen != 0 && c.format != (streamFormat{}) && ch.format != (streamFormat{}) && ch.format != c.format {
				return dst, after, true, true
			}
			c.gen, c.format = ch.gen, ch.format
		}
		if c.joining {
			// join has moved the cursor to a chunk it may begin with.
			c.joining = false
			if ch.lead != nil {
				dst = append(dst, ch.lead)
				after = append(after, c)
			}
		}
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
			after = append(after, c)
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
		if c.off == len(ch.data) {
			c.seq++
			c.off = 0
		}
		after = append(after, c)
	}
	return dst, after, false, true
}

// join moves a joining listener past the chunks it cannot begin with, up
// to the mount's head.
func (c *cursor) join(m *Mount) {
	if c.joining && c.off == 0 && len(c.pend) == 0 {
		_, c.seq = m.startable(c.seq)
	}
}

// advanced returns the cursor as it stands once n bytes of segs, as
// composed from start, are written.
func advanced(start cursor, segs [][]byte, after []cursor, n int) cursor {
	c := start
	for i, s := range segs {
		if n < len(s) {
			if n > 0 {
				c = after[i]
				c.pend = s[n:]
			}
			return c
		}
		n -= len(s)
		c = after[i]
	}
	return c
}

// atChunkStart reports whether nothing of a chunk is half written: a
// listener can change mounts here without breaking a frame.
func (c *cursor) atChunkStart() bool { return c.off == 0 && len(c.pend) == 0 }

// listener is one connected player. Its writer owns its cursor and
// socket; other goroutines talk to it through the atomics.
type listener struct {
	id          uint64
	conn        net.Conn        // the socket itself
	raw         syscall.RawConn // for non-blocking writes; nil: conn is written blocking (TLS)
	closer      io.Closer       // closes conn and gives back its per-IP slot
	ip          string
	userAgent   string
	connectedAt time.Time
	bytesSent   atomic.Int64
	access      *accesslog.Entry // its request, for the access log; nil when that is off
	kbps        int64            // what it counts against max_bandwidth_kbps
	// relay is a pull with relay credentials (an Icecast slave): never
	// counted as a listener nor held to the listener limits.
	relay bool

	// A listener is counted once it has stayed countAt: VLC opens a
	// connection, drops it on seeing icy-* headers and opens another, and
	// that play should count once.
	counted atomic.Bool
	countAt time.Time

	home   atomic.Pointer[Mount] // the mount it asked for, even while on a fallback
	moveTo atomic.Pointer[Mount] // where an admin or a fallback sends it
	kicked atomic.Bool
	w      *writer // the writer that serves it, set before it is attached

	// Owned by its writer.
	mount   *Mount
	cur     cursor
	stalled time.Time // since when its socket took nothing; zero = it did
}

// disconnect asks the listener's writer to close it.
func (l *listener) disconnect() {
	l.kicked.Store(true)
	l.w.poke()
}

// moveOn asks the listener's writer to move it to m; false when it is
// already on its way somewhere.
func (l *listener) moveOn(m *Mount) bool {
	if !l.moveTo.CompareAndSwap(nil, m) {
		return false
	}
	l.w.poke()
	return true
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
