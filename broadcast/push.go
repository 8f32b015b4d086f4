package broadcast

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"onair/codec/frames"
)

// Push states, as GET /api/push shows them.
const (
	PushConnecting = "connecting" // waiting for local audio, or dialling
	PushConnected  = "connected"  // sending
	PushRetrying   = "retrying"   // the connection broke; waiting to try again
	PushFailed     = "failed"     // the remote refused; waiting to try again
)

// Push timings. The backoff doubles from pushMinBackoff to pushMaxBackoff,
// each wait drawn from its upper half so pushes to one server spread out.
const (
	pushMinBackoff   = time.Second
	pushMaxBackoff   = 30 * time.Second
	pushStable       = 30 * time.Second // connected this long: the backoff starts over
	pushDialTimeout  = 10 * time.Second
	pushWriteTimeout = 10 * time.Second
	pushPoll         = 200 * time.Millisecond // how often an idle pusher looks at its mount
)

var (
	errPushFormat = errors.New("the local stream changed format")
	errNoAudio    = errors.New("the local mount has no audio")
	errHungUp     = errors.New("the remote closed the connection")
	errPushLapped = errors.New("the push fell a whole buffer behind")
)

// PushTarget is one push: a local mount sent to a remote server.
type PushTarget struct {
	Mount string
	// URL is icecast://user:pass@host:port/mount or
	// shoutcast://pass@host:port[?sid=N], port being the SHOUTcast
	// source port (DNAS's own port + 1).
	URL *url.URL
}

// PushStatus is one push as it stands.
type PushStatus struct {
	Mount     string
	Target    string // the URL, password hidden
	State     string
	Since     time.Time // when State began
	BytesOut  int64     // audio bytes sent since the push started
	Attempts  int64     // connections tried
	LastError string    // why the last connection ended or failed; "" = none yet
	// Remote is what the remote answered when it last refused, until a
	// connection succeeds: its status line (or SHOUTcast reply) and the
	// start of its body.
	Remote string
}

// RemoteRefusal is a remote server's refusal of a push.
type RemoteRefusal struct{ Answer string }

func (e *RemoteRefusal) Error() string { return "remote refused: " + e.Answer }

// Pushes sends local mounts to other servers, one goroutine per target,
// until Close or the server's own Close.
type Pushes struct {
	srv    *Server
	log    *slog.Logger
	ps     []*pusher
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

// NewPushes returns the pushes for targets, not yet started.
func NewPushes(srv *Server, targets []PushTarget, log *slog.Logger) *Pushes {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pushes{srv: srv, log: log}
	p.ctx, p.cancel = context.WithCancel(srv.ctx)
	for _, t := range targets {
		ps := &pusher{srv: srv, t: t, target: RedactURL(t.URL), userAgent: srv.opts.ServerID,
			log:        log.With("component", "push", "mount", t.Mount, "target", RedactURL(t.URL)),
			minBackoff: pushMinBackoff, maxBackoff: pushMaxBackoff}
		ps.status = PushStatus{Mount: t.Mount, Target: ps.target, State: PushConnecting, Since: time.Now()}
		p.ps = append(p.ps, ps)
	}
	return p
}

// Start starts every push.
func (p *Pushes) Start() {
	for _, ps := range p.ps {
		p.wg.Go(func() { ps.run(p.ctx) })
	}
}

// Close stops every push and waits for them.
func (p *Pushes) Close() error {
	p.once.Do(p.cancel)
	p.wg.Wait()
	return nil
}

// Status returns each push's state, in configuration order.
func (p *Pushes) Status() []PushStatus {
	out := make([]PushStatus, 0, len(p.ps))
	for _, ps := range p.ps {
		out = append(out, ps.snapshot())
	}
	return out
}

// RedactURL is u without its password: for logs and the API.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		if _, ok := c.User.Password(); ok {
			c.User = url.UserPassword(c.User.Username(), "xxxxx")
		} else {
			// SHOUTcast's password is the whole user part.
			c.User = url.User("xxxxx")
		}
	}
	return c.String()
}

// pusher is one push. Its goroutine owns the connection; the status is
// guarded by mu, a lock of its own that the fan-out never takes.
type pusher struct {
	srv        *Server
	t          PushTarget
	target     string
	userAgent  string
	log        *slog.Logger
	minBackoff time.Duration
	maxBackoff time.Duration
	bytesOut   atomic.Int64
	// useSource is set once the remote answered PUT as an old server
	// would: later connections say SOURCE at once.
	useSource bool

	mu     sync.Mutex
	status PushStatus
}

func (p *pusher) snapshot() PushStatus {
	p.mu.Lock()
	st := p.status
	p.mu.Unlock()
	st.BytesOut = p.bytesOut.Load()
	return st
}

func (p *pusher) setState(state string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status.State != state {
		p.status.State, p.status.Since = state, time.Now()
	}
	if state == PushConnected {
		p.status.Remote = "" // that refusal is over
	}
	if err != nil {
		p.status.LastError = err.Error()
		var rr *RemoteRefusal
		if errors.As(err, &rr) {
			p.status.Remote = rr.Answer
		} else {
			p.status.Remote = ""
		}
	}
}

// run connects, sends and reconnects with backoff until ctx ends.
func (p *pusher) run(ctx context.Context) {
	wait := p.minBackoff
	for {
		p.setState(PushConnecting, nil)
		m, err := p.waitForAudio(ctx)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.status.Attempts++
		p.mu.Unlock()
		started := time.Now()
		err = p.session(ctx, m)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) >= pushStable {
			wait = p.minBackoff
		}
		var rr *RemoteRefusal
		state := PushRetrying
		if errors.As(err, &rr) {
			state = PushFailed
		}
		p.setState(state, err)
		d := wait/2 + rand.N(wait/2+1) //nolint:gosec // jitter, not a secret
		p.log.Warn("push ended; trying again", "state", state, "err", err, "retry_in", d.Round(time.Millisecond))
		wait = min(wait*2, p.maxBackoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}

// waitForAudio waits until the local mount exists and has a source on
// air with audio: the remote needs its content type from the start.
func (p *pusher) waitForAudio(ctx context.Context) (*Mount, error) {
	t := time.NewTicker(pushPoll)
	defer t.Stop()
	for {
		if m := p.srv.Mount(p.t.Mount); m != nil && m.HasAudio() && m.OnAir() {
			return m, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// session makes one connection and sends the mount's chunks on it until
// something breaks. It starts at a chunk, so a frame, boundary; the
// titles it meets in the chunks go to the remote as they take effect,
// the first one right after connecting.
func (p *pusher) session(ctx context.Context, m *Mount) error {
	info := m.Info()
	if info == nil {
		info = &StreamInfo{}
	}
	first, seq := m.startable(m.burstStart())
	if first == nil {
		return errNoAudio
	}
	hdr := *info
	if hdr.ContentType == "" {
		hdr.ContentType = contentTypeOf(first.format)
	}
	conn, err := p.connect(ctx, &hdr)
	if err != nil {
		return err
	}
	defer conn.Close()
	sctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(sctx, func() { conn.Close() })
	titles := make(chan *Metadata, 1)
	var wg sync.WaitGroup
	wg.Go(func() { p.sendTitles(sctx, titles) })
	// A source server says nothing after its welcome: a read that ends
	// means it hung up, which an idle push would not see otherwise.
	wg.Go(func() {
		_, _ = io.Copy(io.Discard, conn)
		cancel(errHungUp)
	})
	defer func() {
		cancel(nil)
		stop()
		wg.Wait()
	}()
	p.setState(PushConnected, nil)
	p.log.Info("push connected")

	gen, format := first.gen, first.format
	var last *Metadata
	var segs [maxSegments][]byte
	// An Ogg stream begins with its chain's header pages, and carries its
	// titles itself: the remote reads them from its comments.
	lead := first.lead
	titlesInStream := first.format.ogg != 0
	tick := time.NewTicker(pushPoll)
	defer tick.Stop()
	for {
		if m.shut.Load() {
			return ErrMountClosed
		}
		head := m.head.Load()
		if m.lapped(seq) {
			return errPushLapped
		}
		n := 0
		var title *Metadata
		if lead != nil {
			segs[n], lead = lead, nil
			n++
		}
		for seq < head && n < maxSegments {
			ch := m.chunkAt(seq)
			if ch == nil {
				return errPushLapped
			}
			if ch.gen != gen {
				if ch.format != (streamFormat{}) && format != (streamFormat{}) && ch.format != format {
					return errPushFormat
				}
				gen, format = ch.gen, ch.format
			}
			if ch.meta != nil && ch.meta != last && !titlesInStream {
				last, title = ch.meta, ch.meta
			}
			segs[n] = ch.data
			n++
			seq++
		}
		if n == 0 {
			select {
			case <-sctx.Done():
				return context.Cause(sctx)
			case <-tick.C:
			}
			continue
		}
		if err := conn.SetWriteDeadline(time.Now().Add(pushWriteTimeout)); err != nil {
			return fmt.Errorf("push: %w", err)
		}
		bufs := net.Buffers(segs[:n])
		written, err := bufs.WriteTo(conn)
		clear(segs[:n])
		p.bytesOut.Add(written)
		if err != nil {
			if sctx.Err() != nil {
				return context.Cause(sctx)
			}
			return fmt.Errorf("sending audio: %w", err)
		}
		if title != nil {
			// The newest title wins: one the remote has not taken yet is
			// replaced.
			select {
			case <-titles:
			default:
			}
			titles <- title
		}
	}
}

// sendTitles hands titles to the remote one at a time, off the audio
// path: a slow admin request must not hold the stream back.
func (p *pusher) sendTitles(ctx context.Context, titles <-chan *Metadata) {
	for {
		select {
		case <-ctx.Done():
			return
		case md := <-titles:
			if err := p.sendTitle(ctx, md.Title); err != nil && ctx.Err() == nil {
				p.log.Warn("push title not taken", "err", err)
			}
		}
	}
}

// contentTypeOf names a stream format for a remote that was told nothing
// else.
func contentTypeOf(f streamFormat) string {
	if f.codec == frames.ADTS {
		return "audio/aac"
	}
	return "audio/mpeg"
}
