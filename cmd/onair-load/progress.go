package main

import (
	"encoding/json"
	"maps"
	"time"
)

// Progress is one line of -report-every: what happened since the run
// began, for a script watching a long run.
type Progress struct {
	ElapsedS        float64        `json:"elapsed_s"`
	Steady          bool           `json:"steady"`    // the ramp is over
	Live            int64          `json:"live"`      // listeners connected now
	Connected       int64          `json:"connected"` // first connections that succeeded
	Failed          int64          `json:"failed"`    // first connections that failed
	Drops           int64          `json:"drops"`     // listeners lost
	DropReasons     map[string]int `json:"drop_reasons"`
	FramingErrors   int64          `json:"framing_errors"`
	Ended           int64          `json:"ended"`            // streams the server ended cleanly (-reconnect)
	Reconnected     int64          `json:"reconnected"`      // of which the listener is back
	Reconnecting    int64          `json:"reconnecting"`     // under way now
	ReconnectFailed int64          `json:"reconnect_failed"` // gave up: lost
}

// progressNow counts what happened so far.
func (r *runner) progressNow() Progress {
	r.mu.Lock()
	drops := maps.Clone(r.drops)
	r.mu.Unlock()
	return Progress{
		ElapsedS:        time.Since(r.start).Seconds(),
		Steady:          r.phase.Load() == phaseSteady,
		Live:            r.live.Load(),
		Connected:       r.connected.Load(),
		Failed:          r.failed.Load(),
		Drops:           r.dropped.Load(),
		DropReasons:     drops,
		FramingErrors:   r.framingErrors.Load(),
		Ended:           r.rec.ended.Load(),
		Reconnected:     r.rec.done.Load(),
		Reconnecting:    r.rec.inFlight.Load(),
		ReconnectFailed: r.rec.failed.Load(),
	}
}

// reportEvery writes a Progress line to Config.ReportTo every
// Config.ReportEvery until the returned function is called.
func (r *runner) reportEvery() (stop func()) {
	if r.cfg.ReportEvery <= 0 || r.cfg.ReportTo == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		enc := json.NewEncoder(r.cfg.ReportTo)
		t := time.NewTicker(r.cfg.ReportEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			// A reader that went away is no reason to end the run.
			_ = enc.Encode(r.progressNow())
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
