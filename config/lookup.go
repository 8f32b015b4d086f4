package config

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// HTTPPort returns the port of Listen (0 when the system is to pick one).
func (c Config) HTTPPort() (int, error) {
	port, err := addrPort(c.Listen)
	if err != nil {
		return 0, fmt.Errorf("listen address %q: %w", c.Listen, err)
	}
	return port, nil
}

// ShoutcastAddr returns the host:port the SHOUTcast v1 source listener binds
// (Listen's host with the resolved shoutcast_port), or "" when it is off.
func (c Config) ShoutcastAddr() (string, error) {
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", c.Listen, err)
	}
	httpPort, err := c.HTTPPort()
	if err != nil {
		return "", err
	}
	port := c.ShoutcastPort.Resolve(httpPort)
	if port == 0 {
		return "", nil
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// StationByID returns the station with the given id.
func (c Config) StationByID(id string) (Station, bool) {
	for _, s := range c.Stations {
		if s.ID == id {
			return s, true
		}
	}
	return Station{}, false
}

// MountSettings are the effective settings of one mount, with the server's
// values filled in where the mount inherits them.
type MountSettings struct {
	// Listed is true when the path is listed under mounts.
	Listed bool
	// BurstSize is the mount's burst_size, else the server's.
	BurstSize int
	// Metaint is the mount's metaint, else the server's.
	Metaint int
	// MaxListeners is the mount's own limit; 0 means only the server's
	// max_listeners applies.
	MaxListeners int
	// Fallback is the mount listeners move to when the source drops, or "".
	Fallback string
	// FallbackOverride moves listeners back when the source returns.
	FallbackOverride bool
	// Hidden leaves the mount out of the relay list and the public lists.
	Hidden bool
}

// MountSettings returns the effective settings for the mount at path: the
// listed mount's or the station output's own where it sets them, else the
// server's. A path that is
// not listed (a station's mount or an unlisted source mount) gets the
// server's values.
func (c Config) MountSettings(path string) MountSettings {
	ms := MountSettings{BurstSize: c.BurstSize, Metaint: c.Metaint}
	for _, m := range c.Mounts {
		if m.Path != path {
			continue
		}
		ms.Listed = true
		ms.MaxListeners = m.MaxListeners
		ms.Fallback = m.Fallback
		ms.FallbackOverride = m.FallbackOverride
		ms.Hidden = m.Hidden
		if m.BurstSize != 0 {
			ms.BurstSize = m.BurstSize
		}
		if m.Metaint != 0 {
			ms.Metaint = m.Metaint
		}
		break
	}
	for _, r := range c.Relays {
		if r.Mount == path {
			ms.Listed, ms.Fallback, ms.FallbackOverride = true, r.Fallback, r.FallbackOverride
		}
	}
	if o, _, ok := c.OutputOf(path); ok {
		ms.MaxListeners, ms.Fallback, ms.Hidden = o.MaxListeners, o.Fallback, o.Hidden
		if o.BurstSize != 0 {
			ms.BurstSize = o.BurstSize
		}
		if o.Metaint != 0 {
			ms.Metaint = o.Metaint
		}
	}
	return ms
}

// TrustedProxyPrefixes returns trusted_proxies as prefixes; a bare address
// is a prefix of its full length. Entries Validate rejects are skipped.
func (c Config) TrustedProxyPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range c.TrustedProxies {
		if pf, ok := parseProxy(p); ok {
			out = append(out, pf)
		}
	}
	return out
}

// parseProxy reads a trusted_proxies entry: a CIDR prefix or an address.
func parseProxy(s string) (netip.Prefix, bool) {
	if pf, err := netip.ParsePrefix(s); err == nil {
		return pf.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}
