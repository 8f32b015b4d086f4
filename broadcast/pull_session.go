package broadcast

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"onair/codec/frames"
	"onair/codec/ogg"
	"onair/icy"
)

// probeLimit is how far into a body a relay looks for the first frames
// before it calls the upstream's answer garbage.
const probeLimit = 64 << 10

// errNoFrames refuses a body that holds no frames of its declared type.
var errNoFrames = fmt.Errorf("no audio frames in the first %d KiB", probeLimit>>10)

// session pulls one upstream: the request, the answer's checks, the
// probe for frames, then the mount is claimed and fed until the stream
// ends. It reports whether audio went on air. The mount is claimed only
// once the answer holds frames, so a bad upstream leaves the listeners
// of a relay in its grace as they are.
func (p *puller) session(ctx context.Context, raw, shown string) (streamed bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, raw, nil)
	if err != nil {
		return false, fmt.Errorf("bad URL: %w", err)
	}
	req.Header.Set("Icy-MetaData", "1")
	req.Header.Set("User-Agent", p.s.opts.ServerID)
	resp, err := p.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said by the caller, without its password
		}
		return false, fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("upstream answered %s", resp.Status)
	}
	ct := resp.Header.Get("Content-Type")
	codec, ctype, err := codecFor(ct)
	if err != nil {
		return false, err
	}
	wd := &watchdog{cancel: cancel}
	defer wd.stop()
	metaint, _ := strconv.Atoi(resp.Header.Get("icy-metaint"))
	m := p.s.Mount(p.cfg.Mount)
	if m == nil {
		return false, ErrNoMount
	}
	var (
		claimed bool
		pending [2]string
		titled  bool
	)
	body := icy.NewReader(&countInto{r: resp.Body, n: &p.bytesIn}, metaint, func(title, u string) {
		if claimed {
			m.SetTitle(title, u, time.Now())
			return
		}
		pending, titled = [2]string{title, u}, true
	})
	prefix, err := probe(body, codec, wd, p.s.opts.SourceTimeout)
	if err != nil {
		if wd.stop() {
			err = errUpstreamStalled
		}
		return false, err
	}
	host := req.URL.Host
	if resp.Request != nil {
		host = resp.Request.URL.Host // where the redirects led
	}
	sc := &sourceConn{protocol: "relay", remote: host, userAgent: resp.Header.Get("Server"), connectedAt: time.Now()}
	if err := m.claim(sc); err != nil {
		return false, err
	}
	claimed = true
	if titled {
		m.SetTitle(pending[0], pending[1], time.Now())
	}
	p.set(RelayConnected, "", shown)
	p.log.Info("relay connected", "upstream", shown, "type", ctype)
	idle := make(chan struct{})
	if p.cfg.OnDemand {
		go p.watchIdle(sctx, m, cancel, idle)
	} else {
		close(idle)
	}
	info := infoFromHeaders(resp.Header.Get, ctype, "")
	_, err = p.s.runSource(m, sc, wd, io.MultiReader(bytes.NewReader(prefix), body), codec, info, p.log)
	cancel()
	<-idle
	switch {
	case wd.stop():
		err = errUpstreamStalled
	case p.cfg.OnDemand && m.connections.Load() == 0 && ctx.Err() == nil:
		err = errIdle
	case err == nil:
		err = errors.New("upstream ended the stream")
	}
	return true, err
}

// probe reads body until a splitter locks onto frames of codec, and
// returns what it read, or errNoFrames after probeLimit bytes. Each read
// is bounded by the source timeout.
func probe(body io.Reader, codec framing, wd *watchdog, timeout time.Duration) ([]byte, error) {
	var split func(b []byte, found func()) error
	if codec.ogg {
		sp := ogg.NewSplitter(ogg.SplitterOptions{MaxLost: probeLimit})
		split = func(b []byte, found func()) error { return sp.Split(b, func([]byte, *ogg.PageInfo) { found() }) }
	} else {
		sp := frames.NewSplitter(codec.frames, 0)
		split = func(b []byte, found func()) error { sp.Split(b, func([]byte) { found() }); return nil }
	}
	var got []byte
	buf := make([]byte, 4096)
	found := false
	for len(got) < probeLimit {
		_ = wd.SetReadDeadline(time.Now().Add(timeout))
		n, err := body.Read(buf)
		got = append(got, buf[:n]...)
		if err := split(buf[:n], func() { found = true }); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadStream, err)
		}
		if found {
			return got, nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: the stream ended after %d bytes", errNoFrames, len(got))
			}
			return nil, err
		}
	}
	return nil, errNoFrames
}

// watchIdle ends an on_demand session once nobody has listened for
// IdleAfter; it returns (closing done) when ctx ends.
func (p *puller) watchIdle(ctx context.Context, m *Mount, cancel context.CancelFunc, done chan struct{}) {
	defer close(done)
	every := min(p.timing.IdleAfter/4, time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if m.connections.Load() > 0 {
				last = now
			} else if now.Sub(last) >= p.timing.IdleAfter {
				p.log.Info("relay disconnects: no listeners", "after", p.timing.IdleAfter)
				cancel()
				return
			}
		}
	}
}

// countInto counts what a relay reads from its upstreams.
type countInto struct {
	r io.Reader
	n interface{ Add(int64) int64 }
}

func (c *countInto) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
