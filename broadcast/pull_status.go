package broadcast

import "time"

// startPulls makes each relay's mount, unless configured, and starts its
// goroutine under the server's context.
func (s *Server) startPulls() {
	s.pulls = make(map[string]*puller, len(s.opts.Relays))
	t := s.opts.RelayTiming.withDefaults()
	for _, rc := range s.opts.Relays {
		s.mu.Lock()
		if s.mounts[rc.Mount] == nil {
			s.addMountLocked(NewMount(rc.Mount, s.listedSettings(MountSettings{})))
		}
		s.mu.Unlock()
		s.pulls[rc.Mount] = newPull(s, rc, t)
	}
	for _, p := range s.pulls {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			p.run(s.ctx)
		}()
	}
}

// RelayStatus is a pull relay's state for GET /api/relays and the console.
type RelayStatus struct {
	Mount     string    `json:"mount"`
	State     string    `json:"state"`            // idle, connecting, connected, reconnecting, failed
	Reason    string    `json:"reason,omitempty"` // why it is not connected
	Upstream  string    `json:"upstream,omitempty"`
	Upstreams []string  `json:"upstreams"` // in order, passwords left out
	OnDemand  bool      `json:"on_demand"`
	BytesIn   int64     `json:"bytes_in"`
	Since     time.Time `json:"since"`
	Listeners int       `json:"listeners"`
}

// Relays returns the pull relays' states in the configured order.
func (s *Server) Relays() []RelayStatus {
	out := make([]RelayStatus, 0, len(s.opts.Relays))
	for _, rc := range s.opts.Relays {
		p := s.pulls[rc.Mount]
		st := RelayStatus{Mount: rc.Mount, OnDemand: rc.OnDemand, BytesIn: p.bytesIn.Load(), Upstreams: make([]string, 0, len(rc.Upstreams))}
		for _, u := range rc.Upstreams {
			st.Upstreams = append(st.Upstreams, redacted(u))
		}
		p.mu.Lock()
		st.State, st.Reason, st.Upstream, st.Since = p.state, p.reason, p.upstream, p.since
		p.mu.Unlock()
		if m := s.Mount(rc.Mount); m != nil {
			st.Listeners = m.Listeners()
		}
		out = append(out, st)
	}
	return out
}
