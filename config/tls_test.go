package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"onair/internal/testenv"
)

func TestTLSCertificate(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certPEM, keyPEM := testenv.SelfSignedCert(t)
	_, otherKeyPEM := testenv.SelfSignedCert(t)
	cert, key, otherKey := write("cert.pem", certPEM), write("key.pem", keyPEM), write("other.pem", otherKeyPEM)
	garbage := write("garbage.pem", []byte("not PEM at all"))

	c := Default()
	if got, err := c.TLSCertificate(); got != nil || err != nil {
		t.Fatalf("TLS off: %v, %v; want nothing", got, err)
	}
	c.TLSListen, c.TLSCert, c.TLSKey = ":8443", cert, key
	got, err := c.TLSCertificate()
	if err != nil || got == nil || got.Leaf == nil || got.Leaf.Subject.CommonName != "OnAir test" {
		t.Fatalf("good pair: %v, %v", got, err)
	}
	for _, tt := range []struct {
		name, cert, key, path, want string
	}{
		{"no certificate file", filepath.Join(dir, "missing.pem"), key, "tls_cert", "'tls_cert' cannot be read: open "},
		{"no key file", cert, filepath.Join(dir, "missing.pem"), "tls_key", "'tls_key' cannot be read: open "},
		{"key of another certificate", cert, otherKey, "tls_cert", "are not a valid key pair"},
		{"not PEM", garbage, key, "tls_cert", "are not a valid key pair"},
		{"no certificate set", "", key, "tls_listen", "'tls_listen' requires 'tls_cert' and 'tls_key'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c.TLSCert, c.TLSKey = tt.cert, tt.key
			_, err := c.TLSCertificate()
			var ce *Error
			if !errors.As(err, &ce) || ce.Path != tt.path || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("TLSCertificate() = %v; want an *Error at %s saying %q", err, tt.path, tt.want)
			}
		})
	}
}
