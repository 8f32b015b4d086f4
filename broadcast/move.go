package broadcast

// attach adds l to m's listeners; false when m has no source. hit counts
// a new connection (not a move) in the mount's statistics.
func (s *Server) attach(m *Mount, l *listener, hit bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.source == nil {
		return false
	}
	m.clients[l.id] = l
	if l.relay {
		return true // not a listener: kept out of the counts
	}
	if hit {
		m.hits.Add(1)
	}
	m.connections.Add(1)
	if l.counted.Load() {
		m.countOne()
	}
	return true
}

// detach removes l from m's listeners.
func (s *Server) detach(m *Mount, l *listener) {
	m.mu.Lock()
	if m.clients[l.id] != l {
		m.mu.Unlock()
		return
	}
	delete(m.clients, l.id)
	m.sentByLeavers += l.bytesSent.Load()
	idle := m.source == nil && len(m.clients) == 0
	m.mu.Unlock()
	if !l.relay {
		m.connections.Add(-1)
	}
	if l.counted.Load() {
		m.listeners.Add(-1)
	}
	if idle {
		s.removeIfIdle(m)
	}
}

// countListener counts a listener that has stayed long enough to be one.
func (s *Server) countListener(m *Mount) {
	m.countOne()
	s.listening.Add(1)
}

func (m *Mount) countOne() {
	n := m.listeners.Add(1)
	for {
		p := m.peak.Load()
		if n <= p || m.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// onAirFor returns the mount a listener of m is served from: m itself when
// it has a source, else the first fallback along its chain that has one,
// else nil.
func (s *Server) onAirFor(m *Mount) *Mount {
	for range 4 {
		if m == nil || m.Settings().Input {
			return nil
		}
		if m.OnAir() {
			return m
		}
		m = s.Mount(m.Settings().Fallback)
	}
	return nil
}

// MoveListeners sends the listeners of from for which pick is true (all
// when pick is nil) to to, keeping their connections and ICY framing. It
// returns how many were sent. Listeners only move between mounts of the
// same content type, since a player cannot switch codecs mid-stream.
func (s *Server) MoveListeners(from, to *Mount, pick func(*listener) bool) (int, error) {
	if from == to {
		return 0, nil
	}
	if !to.OnAir() || to.Settings().Input {
		return 0, ErrNoMount
	}
	if a, b := from.Info(), to.Info(); a != nil && b != nil && !sameContainer(a.ContentType, b.ContentType) {
		return 0, ErrUnsupportedType
	}
	if a, b := from.Codec(), to.Codec(); a != "" && b != "" && a != b {
		return 0, ErrUnsupportedType // Ogg Vorbis and Ogg Opus share a type
	}
	from.mu.Lock()
	defer from.mu.Unlock()
	n := 0
	for _, l := range from.clients {
		if pick != nil && !pick(l) {
			continue
		}
		if l.moveOn(to) {
			n++
		}
	}
	return n, nil
}

// sameContainer reports whether a player of a stream of Content-Type a
// can be handed one of type b: the same type, or two names of Ogg
// (liquidsoap says application/ogg where ffmpeg says audio/ogg), whose
// codecs MoveListeners compares next.
func sameContainer(a, b string) bool {
	return a == b || isOgg(a) && isOgg(b)
}

// moveListener takes l, at a chunk boundary, from its mount to to: same
// connection, same ICY counter, from to's live edge. Its writer calls it.
func (s *Server) moveListener(l *listener, to *Mount) error {
	from := l.mount
	if to == from {
		return nil
	}
	s.detach(from, l)
	l.mount = to
	l.cur = cursor{seq: to.head.Load(), metaint: l.cur.metaint, metaLeft: l.cur.metaLeft, joining: true}
	if !s.attach(to, l, false) {
		return ErrMountClosed
	}
	s.opts.Logger.Debug("listener moved", "component", "broadcast", "listener", l.id, "from", from.Path, "to", to.Path)
	return nil
}

// fallBack moves m's listeners to its fallback when its source has gone.
func (s *Server) fallBack(m *Mount) {
	fb := s.onAirFor(s.Mount(m.Settings().Fallback))
	if fb == nil {
		return
	}
	if n, err := s.MoveListeners(m, fb, nil); err == nil && n > 0 {
		s.opts.Logger.Info("listeners moved to fallback", "component", "broadcast", "mount", m.Path, "fallback", fb.Path, "listeners", n)
	}
}

// takeBackOnAudio, for a mount with fallback_override whose writer just
// arrived, brings its listeners back from the fallback once it has audio.
func (s *Server) takeBackOnAudio(m *Mount) {
	if !m.Settings().FallbackOverride {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		m.waitForAudio(firstAudioWait)
		s.takeBack(m)
	}()
}

// takeBack moves listeners who asked for m back to it from wherever its
// fallback chain put them, when m's source returns (fallback_override).
func (s *Server) takeBack(m *Mount) {
	if !m.Settings().FallbackOverride || m.Settings().Fallback == "" {
		return
	}
	fb := s.Mount(m.Settings().Fallback)
	for range 4 {
		if fb == nil || fb == m {
			return
		}
		n, _ := s.MoveListeners(fb, m, func(l *listener) bool { return l.home.Load() == m })
		if n > 0 {
			s.opts.Logger.Info("listeners moved back from fallback", "component", "broadcast", "mount", m.Path, "fallback", fb.Path, "listeners", n)
		}
		fb = s.Mount(fb.Settings().Fallback)
	}
}
