package broadcast

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// serveGuarded is the HTTP and HTTPS ports' handler. It refuses banned
// clients (by the address ClientAddr resolves) with 403 and, for a client
// behind a trusted proxy, applies the per-IP limit to the client rather
// than to the proxy, which carries many clients. Then serveHTTP serves.
func (s *Server) serveGuarded(w http.ResponseWriter, r *http.Request) {
	client := s.ClientAddr(r)
	if s.banned(client) {
		s.stats.RefusedBanned.Add(1)
		s.refuseHTTP(w, r, http.StatusForbidden, "your address is banned from this server")
		return
	}
	if client == peerAddr(r.RemoteAddr) {
		s.serveHTTP(w, r)
		return
	}
	// The connection's own slot went to the proxy when it was accepted.
	if !s.perIP.acquire(client) {
		s.stats.RefusedPerIP.Add(1)
		w.Header().Set("Retry-After", "10")
		s.refuseHTTP(w, r, http.StatusTooManyRequests, "too many connections from your address")
		return
	}
	slot := &forwardedSlot{release: func() { s.perIP.release(client) }}
	defer func() {
		if !slot.kept {
			slot.free()
		}
	}()
	s.serveHTTP(w, r.WithContext(context.WithValue(r.Context(), slotKey{}, slot)))
}

// refuseHTTP answers status with msg, closes the connection after it and
// logs the request.
func (s *Server) refuseHTTP(w http.ResponseWriter, r *http.Request, status int, msg string) {
	e := s.accessEntry(r, time.Now())
	w.Header().Set("Connection", "close")
	http.Error(w, msg, status)
	s.logAccess(e, status, int64(len(msg)+1))
	s.opts.Logger.Debug("request refused", "component", "broadcast", "ip", s.clientIP(r), "status", status, "path", r.URL.Path)
}

// banned reports whether a is on the ban list.
func (s *Server) banned(a netip.Addr) bool {
	return s.opts.Banned != nil && a.IsValid() && s.opts.Banned(a)
}

// refuseBannedConn closes c when its peer is banned, for connections that
// speak no HTTP (SHOUTcast v1 and Icecast 1 sources), and reports whether
// it did.
func (s *Server) refuseBannedConn(c net.Conn) bool {
	if !s.banned(remoteAddr(c)) {
		return false
	}
	s.stats.RefusedBanned.Add(1)
	s.opts.Logger.Debug("banned source refused", "component", "broadcast", "remote", c.RemoteAddr().String())
	c.Close()
	return true
}

// slotKey finds a request's forwardedSlot in its context.
type slotKey struct{}

// forwardedSlot is the per-IP slot of a client behind a trusted proxy. It
// is given back when the request ends, unless a listener kept it: then
// when the listener's connection closes.
type forwardedSlot struct {
	once    sync.Once
	release func()
	kept    bool // set and read on the handler's goroutine
}

func (f *forwardedSlot) free() { f.once.Do(f.release) }

// keepSlot ties r's forwarded slot, if it has one, to c: the returned
// closer closes c and gives the slot back.
func keepSlot(r *http.Request, c io.Closer) io.Closer {
	slot, _ := r.Context().Value(slotKey{}).(*forwardedSlot)
	if slot == nil {
		return c
	}
	slot.kept = true
	return slotCloser{c: c, slot: slot}
}

type slotCloser struct {
	c    io.Closer
	slot *forwardedSlot
}

func (s slotCloser) Close() error {
	err := s.c.Close()
	s.slot.free()
	return err
}
