package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// TLSCertificate loads tls_cert and tls_key for tls_listen, or returns nil
// when tls_listen is off. Unlike Validate it reads the files, so that a
// missing file or a key that does not match its certificate stops onair
// at start with a message naming the setting, not at the first HTTPS
// client. An expired certificate is loaded all the same (the caller
// warns): plain HTTP keeps working meanwhile.
func (c Config) TLSCertificate() (*tls.Certificate, error) {
	if c.TLSListen == "" {
		return nil, nil
	}
	for _, f := range []struct{ key, path string }{{"tls_cert", c.TLSCert}, {"tls_key", c.TLSKey}} {
		if f.path == "" {
			return nil, &Error{Path: "tls_listen", Msg: "'tls_listen' requires 'tls_cert' and 'tls_key'"}
		}
		if _, err := os.ReadFile(f.path); err != nil {
			return nil, &Error{Path: f.key, Msg: fmt.Sprintf("'%s' cannot be read: %v", f.key, err)}
		}
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return nil, &Error{Path: "tls_cert", Msg: fmt.Sprintf("'tls_cert' %q and 'tls_key' %q are not a valid key pair: %v", c.TLSCert, c.TLSKey, err)}
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, &Error{Path: "tls_cert", Msg: fmt.Sprintf("'tls_cert' %q: %v", c.TLSCert, err)}
	}
	cert.Leaf = leaf
	return &cert, nil
}
