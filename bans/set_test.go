package bans

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParsePrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"203.0.113.7", "203.0.113.7/32"},
		{" 203.0.113.7 ", "203.0.113.7/32"},
		{"203.0.113.0/24", "203.0.113.0/24"},
		{"203.0.113.77/24", "203.0.113.0/24"}, // host bits cleared
		{"2001:db8::1", "2001:db8::1/128"},
		{"2001:db8:1:2::/48", "2001:db8:1::/48"},
		{"::ffff:198.51.100.9", "198.51.100.9/32"},     // mapped address → IPv4
		{"::ffff:198.51.100.0/120", "198.51.100.0/24"}, // mapped prefix → IPv4
		{"::ffff:0:0/96", "0.0.0.0/0"},                 // every mapped address is every IPv4 one
		{"2001:DB8::AB", "2001:db8::ab/128"},           // one spelling per prefix
		{"0.0.0.0/0", "0.0.0.0/0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePrefix(tt.in)
			if err != nil || p.String() != tt.want {
				t.Fatalf("ParsePrefix(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "example.org", "203.0.113", "203.0.113.0/33", "fe80::1%eth0", "1.2.3.4/", "/24", "1.2.3.4:80"} {
		if p, err := ParsePrefix(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParsePrefix(%q) = %v, %v; want ErrInvalid", bad, p, err)
		}
	}
}

func mustPrefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		p, err := ParsePrefix(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestSetContains(t *testing.T) {
	s := NewSet(mustPrefixes(t, "203.0.113.7", "198.51.100.0/24", "10.0.0.0/8", "2001:db8::1", "2001:db8:aaaa::/48",
		"::ffff:192.0.2.64/122", "203.0.113.7")) // a duplicate counts once
	if s.Len() != 6 {
		t.Errorf("Len = %d, want 6", s.Len())
	}
	tests := []struct {
		addr string
		want bool
	}{
		{"203.0.113.7", true},
		{"203.0.113.8", false},
		{"203.0.113.6", false},
		{"198.51.100.0", true},
		{"198.51.100.255", true},
		{"198.51.101.0", false},
		{"10.255.0.1", true},
		{"11.0.0.1", false},
		{"192.0.2.64", true}, // banned through a mapped prefix
		{"192.0.2.127", true},
		{"192.0.2.128", false},
		{"::ffff:203.0.113.7", true}, // a mapped peer is its IPv4 address
		{"::ffff:198.51.100.42", true},
		{"::ffff:203.0.113.8", false},
		{"2001:db8::1", true},
		{"2001:db8::2", false},
		{"2001:db8:aaaa:ffff::1", true},
		{"2001:db8:aaab::1", false},
		{"fe80::1%eth0", false},
		{"::cb00:7107", false}, // 203.0.113.7's bits as IPv6 (not mapped) are another address
	}
	for _, tt := range tests {
		if got := s.Contains(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Contains(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
	if s.Contains(netip.Addr{}) {
		t.Error("the zero address is banned")
	}
	var none *Set
	if none.Contains(netip.MustParseAddr("203.0.113.7")) || NewSet(nil).Contains(netip.MustParseAddr("203.0.113.7")) {
		t.Error("an empty set bans")
	}
	everything := NewSet(mustPrefixes(t, "0.0.0.0/0"))
	if !everything.Contains(netip.MustParseAddr("192.0.2.1")) || everything.Contains(netip.MustParseAddr("2001:db8::1")) {
		t.Error("0.0.0.0/0 must ban every IPv4 address and no IPv6 one")
	}
}

// The check runs on every new connection: it must not allocate.
func TestSetContainsAllocatesNothing(t *testing.T) {
	var ps []netip.Prefix
	for i := range 1000 {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1}), 32))
	}
	ps = append(ps, mustPrefixes(t, "192.0.2.0/24", "2001:db8::/32")...)
	s := NewSet(ps)
	a, b := netip.MustParseAddr("::ffff:10.3.231.1"), netip.MustParseAddr("2001:db9::1")
	allocs := testing.AllocsPerRun(100, func() {
		if !s.Contains(a) || s.Contains(b) {
			panic("wrong answer")
		}
	})
	if allocs != 0 {
		t.Errorf("Contains allocates %.1f times per call", allocs)
	}
}

func BenchmarkSetContains(b *testing.B) {
	var ps []netip.Prefix
	for i := range 10000 {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32))
	}
	s := NewSet(ps)
	a := netip.MustParseAddr("192.0.2.1")
	for b.Loop() {
		s.Contains(a)
	}
}
