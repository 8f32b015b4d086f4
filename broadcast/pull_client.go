package broadcast

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// maxRedirects is how many 301/302/307/308 answers a relay follows.
const maxRedirects = 5

// errTooManyRedirects ends a redirect chain longer than maxRedirects (a
// loop, most likely).
var errTooManyRedirects = fmt.Errorf("more than %d redirects", maxRedirects)

// relayClient is the HTTP client a relay pulls with: bounded connect,
// TLS and header times, no overall timeout (a stream has no end), and
// SHOUTcast's "ICY 200 OK" read as HTTP.
type relayClient struct {
	*http.Client
	tr *http.Transport
}

// newRelayClient makes the client; roots are the CAs https upstreams are
// checked against, nil for the system's.
func newRelayClient(t RelayTiming, roots *x509.CertPool) *relayClient {
	d := &net.Dialer{Timeout: t.Connect, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &icyStatusConn{Conn: c}, nil
		},
		TLSClientConfig:        &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    t.Connect,
		ResponseHeaderTimeout:  t.Header,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true,
		ForceAttemptHTTP2:      false,
		MaxIdleConnsPerHost:    -1, // each connect is a new stream
	}
	c := &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return errTooManyRedirects
		}
		return nil
	}}
	return &relayClient{Client: c, tr: tr}
}

func (c *relayClient) close() { c.tr.CloseIdleConnections() }

// icyStatusConn turns a SHOUTcast v1 server's "ICY 200 OK" status line
// into "HTTP/1.0 200 OK", which net/http reads; the rest passes as is.
type icyStatusConn struct {
	net.Conn
	once sync.Once
	head []byte
}

func (c *icyStatusConn) Read(p []byte) (int, error) {
	var err error
	c.once.Do(func() {
		buf := make([]byte, 4)
		n, rerr := io.ReadFull(c.Conn, buf)
		buf = buf[:n]
		if bytes.Equal(buf, []byte("ICY ")) {
			buf = []byte("HTTP/1.0 ")
		}
		c.head, err = buf, rerr
	})
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	if err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// watchdog is a response body's read deadline: a body that sends nothing
// until the deadline is cancelled, which ends the read under way.
type watchdog struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	t      *time.Timer
	fired  bool
}

func (w *watchdog) SetReadDeadline(at time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.t != nil {
		w.t.Stop()
	}
	w.t = time.AfterFunc(time.Until(at), func() {
		w.mu.Lock()
		w.fired = true
		w.mu.Unlock()
		w.cancel()
	})
	return nil
}

func (w *watchdog) stop() (fired bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.t != nil {
		w.t.Stop()
	}
	return w.fired
}

// errUpstreamStalled ends a session whose upstream went quiet.
var errUpstreamStalled = errors.New("upstream sent nothing for too long")
