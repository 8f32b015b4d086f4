package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// maxBackoff caps the delay between two attempts of one reconnection, as
// a player's does.
const maxBackoff = 8

// reconnects are the reconnections of a run (Config.Reconnect): one
// goroutine each while it lasts, which is a few seconds at most.
type reconnects struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool // no more may start
	fails   map[string]int
	retries map[string]int // failed attempts that were tried again
	times   []time.Duration

	ended, done, failed, pending, inFlight atomic.Int64
}

func (rc *reconnects) init(ctx context.Context) {
	rc.ctx, rc.cancel = context.WithCancel(ctx)
	rc.fails = map[string]int{}
	rc.retries = map[string]int{}
}

// start reconnects listener slot, whose stream ended cleanly at endedAt.
func (rc *reconnects) start(r *runner, slot int, endedAt time.Time) {
	rc.ended.Add(1)
	rc.mu.Lock()
	if rc.closed {
		rc.mu.Unlock()
		rc.pending.Add(1)
		return
	}
	rc.wg.Add(1)
	rc.mu.Unlock()
	rc.inFlight.Add(1)
	go func() {
		defer rc.wg.Done()
		defer rc.inFlight.Add(-1)
		rc.run(r, slot, endedAt)
	}()
}

// run connects again after a jittered delay, so that listeners closed
// together do not all come back in the same millisecond, and retries a 404
// (the mount has no source yet) with the delay doubled each time.
func (rc *reconnects) run(r *runner, slot int, endedAt time.Time) {
	cfg := &r.cfg
	delay := cfg.ReconnectDelay
	giveUp := endedAt.Add(cfg.ReconnectFor)
	for {
		t := time.NewTimer(delay/2 + rand.N(delay)) //nolint:gosec // jitter, not a secret
		select {
		case <-rc.ctx.Done():
			t.Stop()
			rc.pending.Add(1)
			return
		case <-t.C:
		}
		l, _, err := r.connect(rc.ctx)
		if err == nil {
			rc.mu.Lock()
			rc.times = append(rc.times, time.Since(endedAt))
			rc.mu.Unlock()
			rc.done.Add(1)
			r.handshakeBytes.Add(l.rx)
			r.live.Add(1)
			l.slot = slot
			r.workers[slot%len(r.workers)].add(l)
			return
		}
		if rc.ctx.Err() != nil {
			rc.pending.Add(1)
			return
		}
		// Only a mount without its source is waited for, and no attempt
		// starts past the bound.
		delay = min(2*delay, maxBackoff*cfg.ReconnectDelay)
		var se *statusError
		retry := errors.As(err, &se) && se.code == 404 && time.Now().Add(delay/2).Before(giveUp)
		rs := reason(err)
		rc.mu.Lock()
		if retry {
			rc.retries[rs]++
		} else {
			rc.fails[rs]++
		}
		rc.mu.Unlock()
		if !retry {
			rc.failed.Add(1)
			return
		}
	}
}

// close lets no more reconnections start, ends those under way (counted
// pending) and waits for them.
func (rc *reconnects) close() {
	rc.mu.Lock()
	rc.closed = true
	rc.mu.Unlock()
	rc.cancel()
	rc.wg.Wait()
}

// ReconnectReport is what became of the streams the server ended cleanly.
type ReconnectReport struct {
	Ended       int            `json:"ended"`       // streams the server ended at a clean boundary
	Reconnected int            `json:"reconnected"` // of which the listener came back
	Failed      int            `json:"failed"`      // gave up (a lost listener)
	FailReasons map[string]int `json:"fail_reasons"`
	Pending     int            `json:"pending"` // still trying when the run ended
	Retries     map[string]int `json:"retries"` // attempts that failed and were tried again
	Time        Latency        `json:"time"`    // from the end of the stream to the next one's first audio
}

func (rc *reconnects) report() *ReconnectReport {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return &ReconnectReport{
		Ended:       int(rc.ended.Load()),
		Reconnected: int(rc.done.Load()),
		Failed:      int(rc.failed.Load()),
		FailReasons: rc.fails,
		Pending:     int(rc.pending.Load()),
		Retries:     rc.retries,
		Time:        latency(rc.times),
	}
}
