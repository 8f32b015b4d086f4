package broadcast

import (
	"context"
	"maps"
	"slices"
	"time"
)

// startPulls makes each relay's mount, unless configured, and starts its
// goroutine under the server's context.
func (s *Server) startPulls() {
	pulls := make(map[string]*puller, len(s.opts.Relays))
	t := s.opts.RelayTiming.withDefaults()
	for _, rc := range s.opts.Relays {
		s.mu.Lock()
		if s.mounts[rc.Mount] == nil {
			s.addMountLocked(NewMount(rc.Mount, s.listedSettings(MountSettings{})))
		}
		s.mu.Unlock()
		pulls[rc.Mount] = newPull(s, rc, t)
	}
	s.pulls.Store(&pulls)
	for _, p := range pulls {
		s.startPull(p)
	}
	if s.opts.RelayMaster.URL != "" {
		f := newFollower(s, s.opts.RelayMaster)
		s.wg.Go(func() { f.run(s.ctx) })
	}
}

// startPull runs p's goroutine until the server closes or p is stopped.
func (s *Server) startPull(p *puller) {
	ctx, cancel := context.WithCancel(s.ctx)
	p.stop, p.done = cancel, make(chan struct{})
	s.wg.Go(func() {
		defer close(p.done)
		p.run(ctx)
	})
}

// pull is the relay that feeds the mount at path, or nil.
func (s *Server) pull(path string) *puller {
	if m := s.pulls.Load(); m != nil {
		return (*m)[path]
	}
	return nil
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
	// FromMaster marks a relay made by following relay_master's list.
	FromMaster bool `json:"from_master,omitempty"`
}

// Relays returns the pull relays' states: the configured ones in order,
// then those that follow the master, by mount.
func (s *Server) Relays() []RelayStatus {
	pulls := *s.pulls.Load()
	out := make([]RelayStatus, 0, len(pulls))
	for _, rc := range s.opts.Relays {
		out = append(out, s.relayStatus(pulls[rc.Mount]))
	}
	for _, path := range slices.Sorted(maps.Keys(pulls)) {
		if p := pulls[path]; p.fromMaster {
			out = append(out, s.relayStatus(p))
		}
	}
	return out
}

func (s *Server) relayStatus(p *puller) RelayStatus {
	rc := p.cfg
	st := RelayStatus{Mount: rc.Mount, OnDemand: rc.OnDemand, BytesIn: p.bytesIn.Load(),
		Upstreams: make([]string, 0, len(rc.Upstreams)), FromMaster: p.fromMaster}
	for _, u := range rc.Upstreams {
		st.Upstreams = append(st.Upstreams, redacted(u))
	}
	p.mu.Lock()
	st.State, st.Reason, st.Upstream, st.Since = p.state, p.reason, p.upstream, p.since
	p.mu.Unlock()
	if m := s.Mount(rc.Mount); m != nil {
		st.Listeners = m.Listeners()
	}
	return st
}
