package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"onair/broadcast"
	"onair/station"
)

// Pace of GET /api/events: meters ten times a second, the rest as it
// changes (looked at on the same tick), listener counts at most once a
// second.
const (
	eventTick      = 100 * time.Millisecond
	listenersEvery = time.Second
)

// stationEvents is what one stream last sent about a station, so that
// only changes go out.
type stationEvents struct {
	nowPlaying []byte
	mixer      []byte
	listeners  int
	hls        int
	deadAir    uint64 // the number of the last dead air sent (see Station.LastDeadAir)
}

// events serves GET /api/events: Server-Sent Events `nowplaying`,
// `listeners`, `mixer` and `meters`, each a JSON object naming its
// station, and `dead_air` (a station.DeadAirEvent) when one happens
// while the stream is open. ?station= limits them to one station. ?logs=error,access adds
// `log` events for an admin (see logs.go); asked for alone, without
// ?station=, the stream carries only those.
func (a *API) events(w http.ResponseWriter, r *http.Request) error {
	logs, err := a.followLogs(r)
	if errors.Is(err, errAdminsOnly) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": msgAdminsOnly})
		return nil
	}
	if err != nil {
		return err
	}
	stations := a.stations.List()
	if id := r.URL.Query().Get("station"); id != "" {
		st := a.stations.Get(id)
		if st == nil {
			return apiErr(ErrNotFound, "no station "+id)
		}
		stations = []*station.Station{st}
	} else if logs != nil {
		stations = nil
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx would hold the events back
	w.WriteHeader(http.StatusOK)
	// A dropped connection is retried by the browser after this long.
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return nil
	}
	last := make([]stationEvents, len(stations))
	for i := range last {
		last[i].listeners = -1
		// Dead air is news when it happens, not on connecting.
		_, last[i].deadAir = stations[i].LastDeadAir()
	}
	var buf bytes.Buffer
	tick := time.NewTicker(eventTick)
	defer tick.Stop()
	lastListeners := time.Time{}
	for {
		buf.Reset()
		now := time.Now()
		countListeners := now.Sub(lastListeners) >= listenersEvery
		if countListeners {
			lastListeners = now
		}
		for i, st := range stations {
			a.stationEvents(&buf, st, &last[i], countListeners)
		}
		if logs != nil {
			logs.appendEvents(&buf, now)
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return nil // the client went away
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-a.done:
			return nil
		case <-tick.C:
		}
	}
}

// stationEvents appends a station's events to buf: meters always, the
// rest when it changed since last.
func (a *API) stationEvents(buf *bytes.Buffer, st *station.Station, last *stationEvents, countListeners bool) {
	id := st.ID()
	np, _ := json.Marshal(consoleNowPlaying{nowPlayingOf(st), nextOf(st)})
	if !bytes.Equal(np, last.nowPlaying) {
		last.nowPlaying = np
		writeEvent(buf, "nowplaying", np)
	}
	m := mixerState(st)
	meters := m.Meters
	m.Meters = Meters{}
	// Gains move through every ramp: a change of a hundredth is news,
	// less is not.
	m.Gains.Music, m.Gains.Mic, m.Gains.Live = round2(m.Gains.Music), round2(m.Gains.Mic), round2(m.Gains.Live)
	mix, _ := json.Marshal(struct {
		Station string `json:"station"`
		MixerState
	}{id, m})
	if !bytes.Equal(mix, last.mixer) {
		last.mixer = mix
		writeEvent(buf, "mixer", mix)
	}
	if countListeners {
		if n, h := st.Listeners(), st.HLSListeners(); n != last.listeners || h != last.hls {
			last.listeners, last.hls = n, h
			b, _ := json.Marshal(map[string]any{"station": id, "mount": st.Mount(), "listeners": n, "hls_listeners": h})
			writeEvent(buf, "listeners", b)
		}
	}
	if ev, n := st.LastDeadAir(); n != last.deadAir {
		last.deadAir = n
		b, _ := json.Marshal(ev)
		writeEvent(buf, "dead_air", b)
	}
	mt, _ := json.Marshal(struct {
		Station string `json:"station"`
		Meters
	}{id, meters})
	writeEvent(buf, "meters", mt)
}

func writeEvent(buf *bytes.Buffer, name string, data []byte) {
	buf.WriteString("event: ")
	buf.WriteString(name)
	buf.WriteString("\ndata: ")
	buf.Write(data)
	buf.WriteString("\n\n")
}

func round2(v float64) float64 { return float64(int(v*100+0.5)) / 100 }

// nowPlayingOf is a station's entry as GET /api/nowplaying shows it.
func nowPlayingOf(st *station.Station) broadcast.NowPlaying {
	np := st.NowPlaying()
	artist, title := np.Artist, np.Name
	if title == "" {
		artist, title = broadcast.SplitTitle(np.Title)
	}
	return broadcast.NowPlaying{
		Station: st.ID(), Mount: st.Mount(), Title: title, Artist: artist,
		StartedAt: np.StartedAt, DurationMS: np.Duration.Milliseconds(),
		Listeners: st.Listeners(), HLSListeners: st.HLSListeners(), Live: np.Live, Playlist: np.Playlist,
	}
}

// consoleNowPlaying is the console's nowplaying event: the public entry
// and what the AutoDJ plays next.
type consoleNowPlaying struct {
	broadcast.NowPlaying
	Next *nextTrack `json:"next"` // null while none is ready
}

type nextTrack struct {
	Title      string `json:"title"`
	Artist     string `json:"artist"`
	DurationMS int64  `json:"duration_ms"`
	Playlist   string `json:"playlist"`
}

func nextOf(st *station.Station) *nextTrack {
	u, ok := st.Upcoming()
	if !ok {
		return nil
	}
	artist, title := u.Artist, u.Name
	if title == "" {
		artist, title = broadcast.SplitTitle(u.Title)
	}
	return &nextTrack{Title: title, Artist: artist, DurationMS: u.Duration.Milliseconds(), Playlist: u.Playlist}
}
