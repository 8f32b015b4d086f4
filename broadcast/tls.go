package broadcast

import (
	"crypto/tls"
	"net"
	"net/http"
)

// ServeTLS accepts HTTPS connections on ln until Close and serves them as
// the HTTP port's: listeners, Icecast sources, status pages and the API.
// SHOUTcast v1 sources speak no TLS, so nothing is sniffed here. cfg needs
// a certificate; HTTP/2 is not offered, since listeners and sources take
// over their connection, which HTTP/2 cannot give them.
func (s *Server) ServeTLS(ln net.Listener, cfg *tls.Config) error {
	cfg = cfg.Clone()
	cfg.NextProtos = []string{"http/1.1"}
	cl := newChanListener(ln.Addr())
	if !s.track(ln, cl) {
		return http.ErrServerClosed
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// net/http does the handshake on its own goroutine for the
		// connection, within ReadHeaderTimeout.
		_ = s.httpSrv.Serve(cl)
	}()
	// The per-IP slot is taken on the TCP connection, under TLS: closing
	// the TLS connection closes it and gives the slot back.
	return s.acceptLoop(ln, portTLS, func(c net.Conn) {
		if !cl.push(tls.Server(c, cfg)) {
			c.Close()
		}
	})
}
