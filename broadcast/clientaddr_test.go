package broadcast

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	s := New(Options{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("127.0.0.1/32"),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("2001:db8:ffff::/48"),
	}})
	tests := []struct {
		name   string
		remote string
		xff    []string // one entry per header line
		realIP string
		want   string
	}{
		{"direct client", "198.51.100.1:5000", nil, "", "198.51.100.1"},
		{"untrusted peer's header ignored", "198.51.100.1:5000", []string{"203.0.113.7"}, "", "198.51.100.1"},
		{"untrusted peer's X-Real-IP ignored", "198.51.100.1:5000", nil, "203.0.113.7", "198.51.100.1"},
		{"peer in a trusted prefix, untrusted neighbour", "10.9.9.9:1", []string{"203.0.113.7"}, "", "203.0.113.7"},
		{"untrusted look-alike of a trusted address", "11.0.0.1:1", []string{"203.0.113.7"}, "", "11.0.0.1"},
		{"proxy names the client", "127.0.0.1:4000", []string{"203.0.113.7"}, "", "203.0.113.7"},
		{"spoofed entry left of the real one", "127.0.0.1:4000", []string{"192.0.2.66, 203.0.113.7"}, "", "203.0.113.7"},
		{"spoof posing as a trusted proxy", "127.0.0.1:4000", []string{"10.0.0.1, 203.0.113.7"}, "", "203.0.113.7"},
		{"chain of trusted proxies", "127.0.0.1:4000", []string{"192.0.2.66, 203.0.113.7, 10.1.1.1, 10.2.2.2"}, "", "203.0.113.7"},
		{"several header lines", "127.0.0.1:4000", []string{"192.0.2.66", "203.0.113.7, 10.1.1.1"}, "", "203.0.113.7"},
		{"every hop trusted", "127.0.0.1:4000", []string{"10.1.1.1, 10.2.2.2"}, "", "10.1.1.1"},
		{"garbage from the client stops the walk", "127.0.0.1:4000", []string{"<script>, 10.1.1.1"}, "", "10.1.1.1"},
		{"garbage as the proxy's own entry", "127.0.0.1:4000", []string{"unknown"}, "203.0.113.9", "203.0.113.9"},
		{"garbage and nothing else", "127.0.0.1:4000", []string{"unknown"}, "", "127.0.0.1"},
		{"empty entries skipped", "127.0.0.1:4000", []string{"203.0.113.7, , "}, "", "203.0.113.7"},
		{"X-Real-IP fallback", "127.0.0.1:4000", nil, "203.0.113.7", "203.0.113.7"},
		{"X-Forwarded-For before X-Real-IP", "127.0.0.1:4000", []string{"203.0.113.7"}, "192.0.2.66", "203.0.113.7"},
		{"proxy without headers is the client", "127.0.0.1:4000", nil, "", "127.0.0.1"},
		{"ports on entries", "127.0.0.1:4000", []string{"203.0.113.7:51000"}, "", "203.0.113.7"},
		{"IPv6 entry with port", "127.0.0.1:4000", []string{"[2001:db8::7]:51000"}, "", "2001:db8::7"},
		{"IPv6 proxy", "[2001:db8:ffff::1]:443", []string{"2001:db8::7"}, "", "2001:db8::7"},
		{"IPv4-mapped peer is its IPv4 address", "[::ffff:127.0.0.1]:4000", []string{"203.0.113.7"}, "", "203.0.113.7"},
		{"IPv4-mapped entry unmapped", "127.0.0.1:4000", []string{"::ffff:203.0.113.7"}, "", "203.0.113.7"},
		{"mapped spoof of a trusted proxy", "127.0.0.1:4000", []string{"::ffff:10.0.0.1, 203.0.113.7"}, "", "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/stream", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if tt.realIP != "" {
				r.Header.Set("X-Real-IP", tt.realIP)
			}
			if got := s.ClientAddr(r); got.String() != tt.want {
				t.Fatalf("ClientAddr = %s, want %s", got, tt.want)
			}
		})
	}
}

// With no trusted proxies configured, no header is ever believed.
func TestClientAddrWithoutProxies(t *testing.T) {
	s := New(Options{})
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:4000"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	r.Header.Set("X-Real-IP", "203.0.113.8")
	if got := s.ClientAddr(r); got.String() != "127.0.0.1" {
		t.Fatalf("ClientAddr = %s, want the peer", got)
	}
}

func TestScheme(t *testing.T) {
	s := New(Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	req := func(remote string, proto string, viaTLS bool) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		if proto != "" {
			r.Header.Set("X-Forwarded-Proto", proto)
		}
		if viaTLS {
			r.TLS = &tls.ConnectionState{}
		}
		return r
	}
	for _, tt := range []struct {
		r    *http.Request
		want string
	}{
		{req("198.51.100.1:1", "", false), "http"},
		{req("198.51.100.1:1", "", true), "https"},
		{req("198.51.100.1:1", "https", false), "http"}, // not a trusted proxy
		{req("127.0.0.1:1", "https", false), "https"},
		{req("127.0.0.1:1", "http", false), "http"},
	} {
		if got := s.scheme(tt.r); got != tt.want {
			t.Errorf("scheme(%s, %q, tls %v) = %s, want %s", tt.r.RemoteAddr, tt.r.Header.Get("X-Forwarded-Proto"), tt.r.TLS != nil, got, tt.want)
		}
	}
}
