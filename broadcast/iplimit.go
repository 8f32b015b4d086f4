package broadcast

import (
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// ipLimiter counts the connections each client address holds open, so one
// address cannot take every socket the server has.
//
// Connections are counted whether or not a limit is set, so that a limit
// set while the server runs (SetLimits) counts the
// connections already open.
type ipLimiter struct {
	max    atomic.Int64          // 0 = no limit
	exempt func(netip.Addr) bool // reverse proxies carry many clients
	mu     sync.Mutex
	open   map[netip.Addr]int
}

// acquire counts a new connection from ip; false when ip is at the limit.
// Every acquire that returns true is to be paired with a release.
func (l *ipLimiter) acquire(ip netip.Addr) bool {
	if !ip.IsValid() || l.exempt != nil && l.exempt(ip) {
		return true
	}
	limit := l.max.Load()
	l.mu.Lock()
	defer l.mu.Unlock()
	if limit > 0 && int64(l.open[ip]) >= limit {
		return false
	}
	if l.open == nil {
		l.open = map[netip.Addr]int{}
	}
	l.open[ip]++
	return true
}

func (l *ipLimiter) release(ip netip.Addr) {
	if !ip.IsValid() || l.exempt != nil && l.exempt(ip) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := l.open[ip]; n <= 1 {
		delete(l.open, ip)
	} else {
		l.open[ip] = n - 1
	}
}

// remoteAddr is a connection's peer address, or the zero Addr.
func remoteAddr(c net.Conn) netip.Addr {
	ap, err := netip.ParseAddrPort(c.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// trackedConn gives back its address's slot in the limiter when closed,
// whoever closes it: net/http, a source handler or a listener.
type trackedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// writerConn is the socket under the tracking wrapper: listeners write to
// it so that net.Buffers reaches writev, which a wrapper would hide.
func writerConn(c net.Conn) net.Conn {
	if t, ok := c.(*trackedConn); ok {
		return t.Conn
	}
	return c
}

// refuseBusyIP answers a connection over its address's limit, closes it
// and logs it. The request is drained briefly first: closing with unread
// bytes makes the kernel send a reset, and the client would see that
// instead of the reason. What it sent names the request in the log.
func (s *Server) refuseBusyIP(c net.Conn, port portKind) {
	defer c.Close()
	start := time.Now()
	const body = "too many connections from your address\n"
	_ = c.SetDeadline(start.Add(time.Second))
	_, _ = c.Write([]byte("HTTP/1.0 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Retry-After: 10\r\nConnection: close\r\n\r\n" + body))
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
	}
	e := s.rawEntry(c, port, drain(c), start)
	s.logAccess(&e, http.StatusTooManyRequests, int64(len(body)))
}

// drain reads what a refused client sends, for a second at most, and
// returns its first bytes: enough for the request line and headers of
// any request the server would have taken.
func drain(c net.Conn) []byte {
	var buf [512]byte
	var head []byte
	for range 16 {
		n, err := c.Read(buf[:])
		if len(head) < maxRequestLine {
			head = append(head, buf[:n]...)
		}
		if err != nil {
			break
		}
	}
	return head
}
