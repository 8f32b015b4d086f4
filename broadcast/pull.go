package broadcast

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// RelayConfig is a mount this server pulls from other servers (OnAir as
// an edge). Its mount must be among Options.Mounts or is added as a
// listed mount; sources may not push to it.
type RelayConfig struct {
	Mount string
	// Upstreams are tried in order: the second is the first's failover.
	// http and https; basic auth comes from the userinfo.
	Upstreams []string
	// OnDemand connects when the first listener arrives and disconnects
	// RelayTiming.IdleAfter after the last one left.
	OnDemand bool
}

// RelayTiming bounds a pull relay's waits; zero fields take the defaults.
type RelayTiming struct {
	Connect    time.Duration // TCP and TLS: 0 = 5 s
	Header     time.Duration // the upstream's response header: 0 = 10 s
	BackoffMin time.Duration // first retry: 0 = 1 s
	BackoffMax time.Duration // 0 = 30 s
	IdleAfter  time.Duration // on_demand: 0 = 10 s
}

func (t RelayTiming) withDefaults() RelayTiming {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&t.Connect, 5*time.Second)
	def(&t.Header, 10*time.Second)
	def(&t.BackoffMin, time.Second)
	def(&t.BackoffMax, 30*time.Second)
	def(&t.IdleAfter, 10*time.Second)
	return t
}

// Relay states, as GET /api/relays shows them.
const (
	RelayIdle         = "idle"         // on_demand, nobody listening
	RelayConnecting   = "connecting"   // first try
	RelayConnected    = "connected"    // audio flows
	RelayReconnecting = "reconnecting" // a connected upstream dropped
	RelayFailed       = "failed"       // every upstream failed; retrying
)

// errIdle ends an on_demand session nobody listens to any more.
var errIdle = errors.New("no listeners left")

// puller is one relay: a goroutine that keeps its mount fed from the first
// upstream that works. Its state is behind its own lock, never one the
// listeners' writers take.
type puller struct {
	s      *Server
	cfg    RelayConfig
	timing RelayTiming
	log    *slog.Logger
	client *relayClient
	wake   chan struct{} // on_demand: a listener arrived
	// fromMaster: made by following a master's list; stop ends it.
	fromMaster bool
	stop       context.CancelFunc
	done       chan struct{}
	bytesIn    atomic.Int64

	mu       sync.Mutex
	state    string
	reason   string
	upstream string // redacted
	since    time.Time
	onAir    chan struct{} // closed and replaced when a session goes on air
}

func newPull(s *Server, rc RelayConfig, t RelayTiming) *puller {
	return &puller{
		s: s, cfg: rc, timing: t, client: newRelayClient(t, s.opts.RelayRootCAs),
		log:  s.opts.Logger.With("component", "relay", "mount", rc.Mount),
		wake: make(chan struct{}, 1), state: RelayConnecting, since: time.Now(), onAir: make(chan struct{}),
	}
}

// set records the relay's state; an unchanged state keeps its since.
func (p *puller) set(state, reason, upstream string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if state != p.state || upstream != p.upstream {
		p.since = time.Now()
	}
	p.state, p.reason, p.upstream = state, reason, upstream
	if state == RelayConnected {
		close(p.onAir)
		p.onAir = make(chan struct{})
	}
}

// run keeps the mount fed until ctx ends: each round tries the upstreams
// in order, and failed rounds back off from BackoffMin to BackoffMax.
func (p *puller) run(ctx context.Context) {
	defer p.client.close()
	var backoff time.Duration
	for ctx.Err() == nil {
		m := p.s.Mount(p.cfg.Mount)
		if p.cfg.OnDemand && (m == nil || m.connections.Load() == 0) {
			p.set(RelayIdle, "", "")
			select {
			case <-ctx.Done():
				return
			case <-p.wake:
			}
		}
		streamed, err := p.round(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errIdle):
			backoff = 0
			continue
		case streamed:
			backoff = 0
			p.set(RelayReconnecting, err.Error(), "")
		default:
			p.set(RelayFailed, err.Error(), "")
		}
		backoff = min(max(2*backoff, p.timing.BackoffMin), p.timing.BackoffMax)
		wait := jitter(backoff)
		p.log.Warn("relay upstream lost", "err", err, "retry_in", wait.Round(time.Millisecond))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// jitter spreads retries over ±25 % of d, so that edges that lost the
// same origin do not all come back at the same instant.
func jitter(d time.Duration) time.Duration {
	return d*3/4 + rand.N(d/2+1) //nolint:gosec // jitter, not a secret
}

// round tries each upstream in order until one streams and ends; it
// reports whether audio flowed, and the last error.
func (p *puller) round(ctx context.Context) (streamed bool, err error) {
	var errs []error
	for i, raw := range p.cfg.Upstreams {
		u := redacted(raw)
		p.mu.Lock()
		if p.state != RelayReconnecting && p.state != RelayFailed {
			p.state, p.since = RelayConnecting, time.Now()
		}
		p.mu.Unlock()
		streamed, err := p.session(ctx, raw, u)
		if streamed || ctx.Err() != nil || errors.Is(err, errIdle) {
			return streamed, err
		}
		p.log.Info("relay upstream refused", "upstream", u, "err", err)
		errs = append(errs, fmt.Errorf("upstream %d (%s): %w", i+1, u, err))
	}
	return false, errors.Join(errs...)
}

// redacted is an upstream URL without its password, for logs and status.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(bad URL)"
	}
	return u.Redacted()
}

// demand wakes an on_demand relay for a listener of m and waits, bounded
// by the relay's connect and header times and ctx, for it to go on air.
func (s *Server) demand(ctx context.Context, m *Mount) {
	p := s.pull(m.Path)
	if p == nil || !p.cfg.OnDemand || m.OnAir() {
		return
	}
	p.mu.Lock()
	ch := p.onAir
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	t := time.NewTimer(p.timing.Connect + p.timing.Header)
	defer t.Stop()
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
}
