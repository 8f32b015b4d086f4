package broadcast

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr is the address of the client that sent r: the connection's
// peer, or, when the peer is a trusted proxy, the client the proxy names:
// the right-most X-Forwarded-For entry that is not itself a trusted proxy,
// else X-Real-IP. Nobody else's headers are believed, since a client can
// write anything there. Listener records, the access log, per-IP limits
// and bans all use this address.
func (s *Server) ClientAddr(r *http.Request) netip.Addr {
	peer := peerAddr(r.RemoteAddr)
	if !s.trustedProxy(peer) {
		return peer
	}
	if a, ok := forwardedClient(r.Header.Values("X-Forwarded-For"), s.trustedProxy); ok {
		return a
	}
	if a, ok := parseHop(r.Header.Get("X-Real-IP")); ok {
		return a
	}
	return peer
}

// clientIP is ClientAddr as text, for records and logs.
func (s *Server) clientIP(r *http.Request) string {
	if a := s.ClientAddr(r); a.IsValid() {
		return a.String()
	}
	return clientIP(r.RemoteAddr)
}

// trustedProxy reports whether a is one of TrustedProxies.
func (s *Server) trustedProxy(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range *s.proxies.Load() {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// peerAddr reads a connection's "host:port" as an unmapped address, or the
// zero Addr.
func peerAddr(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap().WithZone("")
}

// forwardedClient walks X-Forwarded-For from the right, past the trusted
// proxies that appended their own client, to the first hop none of them
// vouches for. Everything left of that hop was written by the client
// itself. When every hop is a trusted proxy, the left-most one is the
// client; when a hop does not parse, the trusted hop right of it is.
func forwardedClient(values []string, trusted func(netip.Addr) bool) (netip.Addr, bool) {
	var last netip.Addr
	for i := len(values) - 1; i >= 0; i-- {
		hops := strings.Split(values[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			h := strings.TrimSpace(hops[j])
			if h == "" {
				continue
			}
			a, ok := parseHop(h)
			if !ok {
				return last, last.IsValid()
			}
			if !trusted(a) {
				return a, true
			}
			last = a
		}
	}
	return last, last.IsValid()
}

// parseHop reads one forwarded address: "203.0.113.7", "2001:db8::1", or
// either with a port ("203.0.113.7:4711", "[2001:db8::1]:4711"), as some
// proxies send.
func parseHop(h string) (netip.Addr, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		ap, err2 := netip.ParseAddrPort(h)
		if err2 != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// scheme is "https" when r came over TLS, or through a trusted proxy that
// says its client used HTTPS; else "http". Listen URLs use it, so a page
// served over HTTPS links to the stream over HTTPS.
func (s *Server) scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") && s.trustedProxy(peerAddr(r.RemoteAddr)) {
		return "https"
	}
	return "http"
}
