package broadcast

import (
	"net/netip"
	"slices"
)

// SetMounts makes mounts the configured mounts while the server runs (a
// reload of the config file), with defaults for the settings a mount
// leaves zero and for the mounts sources make on the fly. A mount that
// stays keeps its source and listeners and takes its new settings: limits
// apply to the next listener, and a listener keeps the ICY interval it
// was told. A mount added accepts sources at once. A configured mount no
// longer listed is retired: its listeners move to its fallback when that
// is on air, else they get what was published and are closed; its source
// is disconnected. Mounts sources made on the fly are left alone.
//
// The writers never wait for this: they read a mount's settings through
// an atomic pointer, and only the mount table's lock, which web requests
// and new connections take, is held while the table changes.
func (s *Server) SetMounts(mounts []MountConfig, defaults MountSettings) {
	mounts = slices.Clone(mounts)
	s.defaults.Store(&defaults)
	keep := make(map[string]bool, len(mounts))
	var retired []*Mount
	s.mu.Lock()
	for _, mc := range mounts {
		keep[mc.Path] = true
		st := s.listedSettings(mc.Settings)
		if m := s.mounts[mc.Path]; m != nil {
			m.setSettings(st)
		} else {
			s.addMountLocked(NewMount(mc.Path, st))
		}
	}
	order := make([]string, 0, len(s.order))
	for _, mc := range mounts {
		order = append(order, mc.Path)
	}
	for _, p := range s.order {
		m := s.mounts[p]
		switch {
		case keep[p]:
		case s.pull(p) != nil && s.pull(p).fromMaster:
			order = append(order, p) // the master's list decides
		case m.Settings().Listed:
			retired = append(retired, m)
			delete(s.mounts, p)
		default:
			order = append(order, p) // a source's own mount
			// HLS is server-wide, so a source's own mount follows too.
			st := m.Settings()
			st.HLSSegment, st.HLSSegments = defaults.HLSSegment, defaults.HLSSegments
			m.setSettings(st)
		}
	}
	s.order = order
	s.configured.Store(&mounts)
	s.mu.Unlock()
	for _, m := range retired {
		s.retire(m)
	}
}

// listedSettings are a configured mount's settings, with the defaults in
// force filled in.
func (s *Server) listedSettings(st MountSettings) MountSettings {
	st.Listed = true
	return s.fillSettings(st)
}

// retire lets go of a mount taken out of the table: its listeners move to
// its fallback when one is on air, else they are closed once they have
// what was published; its source is disconnected.
func (s *Server) retire(m *Mount) {
	old := m.Settings()
	// From here on the source's leaving neither waits out a grace time
	// nor looks for a fallback: both are done here, once.
	st := old
	st.Listed, st.Grace, st.Fallback, st.FallbackOverride = false, 0, "", false
	m.setSettings(st)
	moved := 0
	if fb := s.onAirFor(s.Mount(old.Fallback)); fb != nil {
		moved, _ = s.MoveListeners(m, fb, nil)
	}
	m.mu.Lock()
	if m.graceTimer != nil {
		m.graceTimer.Stop()
		m.graceTimer = nil
	}
	src := m.source
	m.gone.Store(true)
	left := len(m.clients) - moved
	for _, l := range m.clients {
		l.w.poke()
	}
	m.mu.Unlock()
	if src != nil && src.conn != nil {
		src.conn.Close()
	}
	s.opts.Logger.Info("mount removed", "component", "broadcast", "mount", m.Path,
		"moved_to_fallback", moved, "closed", left, "source_disconnected", src != nil && src.conn != nil)
}

// SetTrustedProxies replaces the reverse proxies whose forwarding headers
// are believed, for the requests and connections from now on.
func (s *Server) SetTrustedProxies(proxies []netip.Prefix) {
	proxies = slices.Clone(proxies)
	s.proxies.Store(&proxies)
}

// TrustedProxies are the reverse proxies believed now.
func (s *Server) TrustedProxies() []netip.Prefix { return slices.Clone(*s.proxies.Load()) }
