package station

import (
	"math"
	"sync"
	"time"
)

// DeadAirEvent is dead air on a station: its output stayed under
// dead_air_db for dead_air_seconds. It is logged, sent as the `dead_air`
// event of GET /api/events, and given to Programming.OnDeadAir.
type DeadAirEvent struct {
	Station string    `json:"station"`
	Since   time.Time `json:"since"`   // when the silence began
	Seconds float64   `json:"seconds"` // how long it had lasted when acted on
	// Source is "autodj" (the track is skipped) or "live" (the silent
	// show loses the air to the AutoDJ until it sends sound again).
	Source string `json:"source"`
	// Track is the title listeners were shown ("Artist - Title", or the
	// live show's); "" when there was nothing to play.
	Track string `json:"track"`
}

// Dead-air sources.
const (
	SourceAutoDJ = "autodj"
	SourceLive   = "live"
)

// deadAirBuffer holds events the engine has handed over while the
// station's reporter is busy (a slow OnDeadAir); more are dropped.
const deadAirBuffer = 8

// deadAirState is the last dead air, for readers of the station.
type deadAirState struct {
	mu   sync.Mutex
	last DeadAirEvent
	seq  uint64
}

// LastDeadAir is the station's last dead air and its number: 0 while
// there has been none; each new one has the next number, so a reader
// that keeps the number it saw learns of new ones.
func (s *Station) LastDeadAir() (DeadAirEvent, uint64) {
	s.deadAir.mu.Lock()
	defer s.deadAir.mu.Unlock()
	return s.deadAir.last, s.deadAir.seq
}

// reportDeadAir logs each dead air the engine acted on, keeps it for
// LastDeadAir and gives it to the hook, until deadAirs is closed.
func (s *Station) reportDeadAir(done chan<- struct{}) {
	defer close(done)
	for d := range s.deadAirs {
		ev := DeadAirEvent{
			Station: s.cfg.ID, Since: d.Since,
			Seconds: math.Round(d.Silence.Seconds()*10) / 10,
			Source:  SourceAutoDJ, Track: d.NowPlaying.Title,
		}
		action := "skipping to the next track"
		if d.Live {
			ev.Source = SourceLive
			action = "the AutoDJ takes the air until the live show sends sound"
		} else if d.NowPlaying.Idle {
			action = "nothing to play"
			ev.Track = "" // the idle title is not a track
		}
		s.log.Warn("dead air: "+action, "source", ev.Source, "playing", ev.Track,
			"silent_for", d.Silence.Round(100*time.Millisecond), "threshold_db", s.cfg.DeadAirDB)
		s.deadAir.mu.Lock()
		s.deadAir.last = ev
		s.deadAir.seq++
		s.deadAir.mu.Unlock()
		if s.onDeadAirHook != nil {
			s.onDeadAirHook(ev)
		}
	}
}
