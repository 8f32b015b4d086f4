package mixer

import (
	"math"
	"time"
)

// DeadAir is a stretch of silence on a station's output long enough to
// act on.
type DeadAir struct {
	// Since is when the silence began, on the engine's clock.
	Since time.Time
	// Silence is how long the output had been silent when it was noticed.
	Silence time.Duration
	// Live is true when a live show had the air (it loses it), false when
	// the AutoDJ had it (it skips the track).
	Live bool
	// NowPlaying is what listeners were told was playing.
	NowPlaying NowPlaying
}

// deadAirGuard is the loop's state for finding dead air.
type deadAirGuard struct {
	limit float32 // peak under which a block is silent; linear
	after int64   // frames of silence that make dead air; 0 = off
	since int64   // output frame where the silence began; -1 = sound
	count int64   // output frame the silence is counted from (moves on after acting)
	done  bool    // reported, and nothing more to do until sound returns
	// liveMuted is set when a live show lost the air to silence: it stays
	// connected, but is not mixed until it sends sound again.
	liveMuted bool
}

func newDeadAirGuard(cfg Config) deadAirGuard {
	g := deadAirGuard{since: -1}
	if cfg.DeadAirAfter > 0 {
		g.limit = float32(math.Pow(10, cfg.DeadAirDB/20))
		g.after = int64(cfg.DeadAirAfter.Seconds() * float64(cfg.SampleRate))
	}
	return g
}

// watchDeadAir looks at the block that starts at output frame frames,
// whose peak after the limiter is peak. The peak rather than the RMS:
// music whose peaks reach over the limit is audible, however quiet on
// average (a piano's decay, a fade's tail), and skipping it would be
// worse than letting a few more seconds of silence go by; a peak is also
// the cheaper of the two, taken from the meter's own pass.
func (e *Engine) watchDeadAir(frames int64, peak float32) {
	g := &e.dead
	if g.after == 0 {
		return
	}
	if peak >= g.limit {
		g.since, g.done = -1, false
		return
	}
	if g.since < 0 {
		g.since, g.count = frames, frames
	}
	end := frames + BlockFrames
	if g.done || end-g.count < g.after {
		return
	}
	live := e.ch.liveOn
	rate := float64(e.cfg.SampleRate)
	silence := time.Duration(float64(end-g.since) / rate * float64(time.Second))
	switch {
	case live:
		// The show stays connected (its client would only reconnect, and
		// a DJ back from a pause takes the air again at once), as
		// Liquidsoap's blank.strip does.
		g.liveMuted = true
		g.count = end
	case e.cur != nil:
		// A transition already under way is the skip.
		if e.fadeLen < 0 {
			e.Skip()
		}
		// The next track gets its own full time before it counts as dead.
		g.count = end + int64(e.lookahead)
	default:
		// Nothing to skip (no music): report once, until sound returns.
		g.done = true
	}
	if e.cfg.OnDeadAir != nil {
		e.cfg.OnDeadAir(DeadAir{
			Since: e.cfg.Now().Add(-silence), Silence: silence, Live: live, NowPlaying: *e.now.Load(),
		})
	}
}

// liveSounds reports whether buf, a block of the live show, is over the
// dead-air limit: a muted show takes the air back with it.
func (g *deadAirGuard) liveSounds(buf []float32) bool {
	for _, v := range buf {
		if abs32(v) >= g.limit {
			return true
		}
	}
	return false
}
