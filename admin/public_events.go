package admin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"onair/station"
)

// Pace and bounds of GET /api/nowplaying/events, the public page's event
// stream. Every visitor of the page holds one, so they are counted apart
// from the console's and bounded.
const (
	maxPublicStreams = 500
	publicTick       = 250 * time.Millisecond
	// publicKeepAlive is how often an idle stream sends a comment, so
	// that proxies do not close it between two titles.
	publicKeepAlive = 20 * time.Second
)

// publicSeen is what one public stream last sent about a station.
type publicSeen struct {
	program   []byte // the now playing entry without its listener count
	listeners int
	hls       int
}

// publicEvents returns the handler of GET /api/nowplaying/events: public
// Server-Sent Events, no credentials, CORS open. `nowplaying` carries a
// station's entry as GET /api/nowplaying lists it, at once and on each
// title change; `listeners` ({"station","mount","listeners","hls_listeners"}) a change of
// its listener count, at most once a second. ?station= limits them to one
// station. At most limit streams run at once: one more gets 503, and the
// page polls /api/nowplaying instead.
func (a *API) publicEvents(limit int) handlerFunc {
	var open atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		stations := a.stations.List()
		if id := r.URL.Query().Get("station"); id != "" {
			st := a.stations.Get(id)
			if st == nil {
				return apiErr(ErrNotFound, "no station "+id)
			}
			stations = []*station.Station{st}
		}
		if open.Add(1) > int64(limit) {
			open.Add(-1)
			w.Header().Set("Retry-After", "60")
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{
				"error": fmt.Sprintf("too many now playing streams (%d): poll GET /api/nowplaying instead", limit),
			})
			return nil
		}
		defer open.Add(-1)
		a.streamNowPlaying(w, r, stations)
		return nil
	}
}

// streamNowPlaying writes the stations' public events until the client
// leaves or the API closes.
func (a *API) streamNowPlaying(w http.ResponseWriter, r *http.Request, stations []*station.Station) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx would hold the events back
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 5000\n\n"); err != nil {
		return
	}
	last := make([]publicSeen, len(stations))
	for i := range last {
		last[i].listeners = -1
	}
	var buf bytes.Buffer
	tick := time.NewTicker(publicTick)
	defer tick.Stop()
	var lastListeners, lastWrite time.Time
	for {
		buf.Reset()
		now := time.Now()
		countListeners := now.Sub(lastListeners) >= time.Second
		if countListeners {
			lastListeners = now
		}
		for i, st := range stations {
			publicStationEvents(&buf, st, &last[i], countListeners)
		}
		if buf.Len() == 0 && now.Sub(lastWrite) >= publicKeepAlive {
			buf.WriteString(": keep-alive\n\n")
		}
		if buf.Len() > 0 {
			if _, err := w.Write(buf.Bytes()); err != nil {
				return // the client went away
			}
			if err := rc.Flush(); err != nil {
				return
			}
			lastWrite = now
		}
		select {
		case <-r.Context().Done():
			return
		case <-a.done:
			return
		case <-tick.C:
		}
	}
}

// publicStationEvents appends a station's public events to buf: its now
// playing when the program changed, else its listener count when that did
// and countListeners says it is time to look.
func publicStationEvents(buf *bytes.Buffer, st *station.Station, last *publicSeen, countListeners bool) {
	np := nowPlayingOf(st)
	listeners, hls := np.Listeners, np.HLSListeners
	np.Listeners, np.HLSListeners = 0, 0 // a new count alone is no new title
	program, _ := json.Marshal(np)
	if !bytes.Equal(program, last.program) {
		last.program, last.listeners, last.hls = program, listeners, hls
		np.Listeners, np.HLSListeners = listeners, hls
		b, _ := json.Marshal(np)
		writeEvent(buf, "nowplaying", b)
		return
	}
	if countListeners && (listeners != last.listeners || hls != last.hls) {
		last.listeners, last.hls = listeners, hls
		b, _ := json.Marshal(map[string]any{"station": st.ID(), "mount": st.Mount(), "listeners": listeners, "hls_listeners": hls})
		writeEvent(buf, "listeners", b)
	}
}
