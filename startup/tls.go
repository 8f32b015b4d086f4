package startup

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"time"

	"onair/config"
)

// listenTLS opens tls_listen with the configured certificate, or returns
// nil when HTTPS is off.
func listenTLS(cfg config.Config, logger *slog.Logger) (net.Listener, *tls.Config, error) {
	cert, err := cfg.TLSCertificate()
	if err != nil || cert == nil {
		return nil, nil, err
	}
	if cert.Leaf != nil && time.Now().After(cert.Leaf.NotAfter) {
		logger.Warn("the TLS certificate has expired: HTTPS clients will refuse it", "tls_cert", cfg.TLSCert,
			"not_after", cert.Leaf.NotAfter)
	}
	ln, err := net.Listen("tcp", cfg.TLSListen)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s (tls_listen): %w", cfg.TLSListen, err)
	}
	return ln, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}, nil
}
