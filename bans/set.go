// Package bans keeps the client addresses OnAir refuses: a list in the
// store, mirrored in memory as an immutable set that every new connection
// checks with one atomic load and no query or lock.
package bans

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// ErrInvalid is wrapped by errors about a prefix that cannot be banned.
var ErrInvalid = errors.New("invalid ban")

// ParsePrefix reads an address ("203.0.113.7", a /32 or /128) or a CIDR
// prefix ("203.0.113.0/24") in its canonical form: host bits cleared and an
// IPv4-mapped IPv6 prefix turned into its IPv4 one, since connections are
// matched by their unmapped address.
func ParsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, fmt.Errorf("%w: %q is not an IP address or CIDR prefix", ErrInvalid, s)
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%w: %q is not an IP address or CIDR prefix", ErrInvalid, s)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// Set is an immutable set of prefixes. The zero Set and a nil *Set hold
// nothing.
type Set struct {
	prefixes []netip.Prefix // canonical, sorted by comparePrefix, no duplicates
	lens4    []int          // distinct lengths of the IPv4 prefixes
	lens6    []int
}

// NewSet makes a set of ps (canonical, as ParsePrefix returns them).
func NewSet(ps []netip.Prefix) *Set {
	s := &Set{prefixes: slices.Clone(ps)}
	slices.SortFunc(s.prefixes, comparePrefix)
	s.prefixes = slices.Compact(s.prefixes)
	for _, p := range s.prefixes {
		if p.Addr().Is4() {
			s.lens4 = appendLen(s.lens4, p.Bits())
		} else {
			s.lens6 = appendLen(s.lens6, p.Bits())
		}
	}
	return s
}

func appendLen(lens []int, n int) []int {
	if slices.Contains(lens, n) {
		return lens
	}
	return append(lens, n)
}

// Contains reports whether a lies in one of the set's prefixes. An
// IPv4-mapped IPv6 address matches as the IPv4 address it carries. It looks
// up one prefix per distinct length, so it costs no allocation and stays
// cheap however many single addresses are banned.
func (s *Set) Contains(a netip.Addr) bool {
	if s == nil || len(s.prefixes) == 0 || !a.IsValid() {
		return false
	}
	a = a.Unmap().WithZone("")
	lens := s.lens6
	if a.Is4() {
		lens = s.lens4
	}
	for _, n := range lens {
		p, err := a.Prefix(n)
		if err != nil {
			continue
		}
		if _, found := slices.BinarySearchFunc(s.prefixes, p, comparePrefix); found {
			return true
		}
	}
	return false
}

// Len is the number of prefixes in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.prefixes)
}

// comparePrefix orders by address, then length.
func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}
