// Package admin is OnAir's JSON API for the console and for scripts, with
// its event streams and the WebSockets a console page holds to a station
// (the browser microphone, Push to Talk held as a lease). It checks every
// request itself (HTTP Basic or a session cookie, CSRF, the account's
// role; see auth.go). Routes use the standard library's method and path
// patterns.
package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"onair/accounts"
	"onair/library"
	"onair/playlist"
	"onair/station"
)

// Errors handlers return; errorStatus maps them to status codes.
var (
	ErrNotFound   = errors.New("not found")
	ErrBadRequest = errors.New("bad request")
)

// Deps are what the API manages besides the stations.
type Deps struct {
	Library   *library.Library
	Playlists *playlist.Playlists
	History   *playlist.History
	// MaxUpload is the largest file POST /api/library/upload takes.
	MaxUpload int64
	// Listeners serves /api/listeners and /api/bans.
	Listeners ListenerDeps
	// Auth is who may call the API.
	Auth AuthDeps
	// Settings serves /api/settings; nil answers 404.
	Settings SettingsService
	// Logs are the recent error and access log entries (see logs.go).
	Logs LogDeps
	// Push serves GET /api/push; nil shows no pushes.
	Push PushStatus
}

// API serves /api.
type API struct {
	stations  *station.Set
	deps      Deps
	log       *slog.Logger
	mux       *http.ServeMux
	done      chan struct{} // closed by Close: long-lived responses end
	closeOnce sync.Once
	throttle  LoginThrottle // failed logins, per client address
	routes    []string      // the patterns registered, for tests
}

// New makes the API over the server's stations, library and playlists.
func New(stations *station.Set, deps Deps, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &API{stations: stations, deps: deps, log: log, mux: http.NewServeMux(), done: make(chan struct{})}
	a.throttle = deps.Auth.Throttle
	if a.throttle == nil {
		a.throttle = accounts.NewThrottle()
	}
	a.handle("POST /api/login", a.login)
	a.handle("POST /api/logout", a.logout)
	a.handle("GET /api/session", a.session)
	a.handle("GET /api/accounts", a.listAccounts)
	a.handle("POST /api/accounts", a.createAccount)
	a.handle("PATCH /api/accounts/{id}", a.patchAccount)
	a.handle("DELETE /api/accounts/{id}", a.deleteAccount)
	a.handle("GET /api/stations", a.listStations)
	a.handle("POST /api/stations/{id}/skip", a.skip)
	a.handle("GET /api/stations/{id}/mixer", a.getMixer)
	a.handle("PATCH /api/stations/{id}/mixer", a.patchMixer)
	a.handle("POST /api/stations/{id}/mixer/ptt", a.ptt)
	a.handle("POST /api/stations/{id}/mixer/lock", a.lock)
	a.handle("GET /api/stations/{id}/mic", a.mic)
	a.handle("GET /api/stations/{id}/talk", a.talk)
	a.handle("GET /api/events", a.events)
	a.handle("GET /api/history", a.history)
	a.handle("GET /api/nowplaying/events", a.publicEvents(maxPublicStreams))
	a.handle("GET /api/library", a.searchLibrary)
	a.handle("GET /api/library/{id}", a.getTrack)
	a.handle("POST /api/library/upload", a.upload)
	a.handle("POST /api/library/rescan", a.rescan)
	a.handle("GET /api/playlists", a.listPlaylists)
	a.handle("POST /api/playlists", a.createPlaylist)
	a.handle("GET /api/playlists/{id}", a.getPlaylist)
	a.handle("PUT /api/playlists/{id}", a.updatePlaylist)
	a.handle("PATCH /api/playlists/{id}", a.updatePlaylist)
	a.handle("DELETE /api/playlists/{id}", a.deletePlaylist)
	a.handle("GET /api/playlists/{id}/items", a.getItems)
	a.handle("PUT /api/playlists/{id}/items", a.setItems)
	a.handle("POST /api/playlists/{id}/start", a.startPlaylist)
	a.handle("POST /api/playlists/{id}/stop", a.stopPlaylist)
	a.handle("GET /api/listeners", a.listListeners)
	a.handle("DELETE /api/listeners/{id}", a.kickListener)
	a.handle("GET /api/listeners/history", a.getListenerHistory)
	a.handle("GET /api/relays", a.listRelays)
	a.handle("GET /api/bans", a.listBans)
	a.handle("POST /api/bans", a.addBan)
	a.handle("DELETE /api/bans/{prefix...}", a.deleteBan)
	a.handle("GET /api/settings", a.getSettings)
	a.handle("PATCH /api/settings", a.patchSettings)
	a.handle("GET /api/logs", a.getLogs)
	a.handle("GET /api/push", a.listPush)
	a.handle("/api/", func(w http.ResponseWriter, r *http.Request) error {
		return apiErr(ErrNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return a
}

// ServeHTTP serves a request that passes the auth gate.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.authorize(w, r, a.mux) }

// Close ends the event streams, so that the server can shut down without
// waiting for their clients to leave.
func (a *API) Close() { a.closeOnce.Do(func() { close(a.done) }) }

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle registers h, writing any error it returns as {"error": "…"}.
func (a *API) handle(pattern string, h handlerFunc) {
	a.routes = append(a.routes, pattern)
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			status := errorStatus(err)
			if status >= 500 {
				internalError(w, r, a.log, "api request failed", err)
				return
			}
			writeJSON(w, status, map[string]string{"error": err.Error()})
		}
	})
}

func errorStatus(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, playlist.ErrNotFound), errors.Is(err, library.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrBadRequest), errors.Is(err, playlist.ErrInvalid), errors.Is(err, library.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, library.ErrTooLarge), errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

// maxJSON bounds a request body of JSON: a playlist of 10,000 items fits.
const maxJSON = 4 << 20

// readJSON decodes the request's body into v, refusing unknown fields so
// that a misspelt key is an error, not silently ignored.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return apiErr(ErrBadRequest, "the request needs a JSON body")
		}
		return apiErr(ErrBadRequest, "bad JSON body: "+err.Error())
	}
	if dec.More() {
		return apiErr(ErrBadRequest, "bad JSON body: more than one value")
	}
	return nil
}

// pathID reads the {id} of the path as a number.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apiErr(ErrBadRequest, fmt.Sprintf("bad id %q: want a positive number", r.PathValue("id")))
	}
	return id, nil
}

// queryInt reads a numeric query parameter, def when absent.
func queryInt(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, apiErr(ErrBadRequest, fmt.Sprintf("bad %s %q: want a number", name, v))
	}
	return n, nil
}

// apiError carries a message for the client and a kind for the status.
type apiError struct {
	kind error
	msg  string
}

func (e *apiError) Error() string { return e.msg }
func (e *apiError) Unwrap() error { return e.kind }

func apiErr(kind error, msg string) error { return &apiError{kind: kind, msg: msg} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// stationJSON is a station in GET /api/stations.
type stationJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Mount      string   `json:"mount"`
	LiveMount  string   `json:"live_mount"`
	Bitrate    int      `json:"bitrate"`
	SampleRate int      `json:"sample_rate"`
	Encoder    string   `json:"encoder"`
	OnAir      bool     `json:"on_air"`
	Problems   []string `json:"problems"`
	// Mic is the mic backend: none, pipe, portaudio or browser (the
	// console offers its microphone only for browser).
	Mic string `json:"mic"`
	// Outputs are the station's further encodings of its mix.
	Outputs []outputJSON `json:"outputs"`
}

// outputJSON is one of a station's outputs in GET /api/stations.
type outputJSON struct {
	Mount         string `json:"mount"`
	Codec         string `json:"codec"`
	Bitrate       int    `json:"bitrate"`
	SampleRate    int    `json:"sample_rate"`
	Encoder       string `json:"encoder"`
	Listeners     int    `json:"listeners"`
	DroppedBlocks int64  `json:"dropped_blocks"`
}

// stationOf is a station's Info as the API shows it.
func stationOf(info station.Info) stationJSON {
	outs := make([]outputJSON, len(info.Outputs))
	for i, o := range info.Outputs {
		outs[i] = outputJSON(o)
	}
	return stationJSON{
		ID: info.ID, Name: info.Name, Mount: info.Mount, LiveMount: info.LiveMount, Bitrate: info.Bitrate,
		SampleRate: info.SampleRate, Encoder: info.Encoder, OnAir: info.OnAir, Problems: info.Problems,
		Mic: info.Mic, Outputs: outs,
	}
}

func (a *API) listStations(w http.ResponseWriter, r *http.Request) error {
	out := []stationJSON{}
	for _, st := range a.stations.List() {
		out = append(out, stationOf(st.Info(r.Context())))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) skip(w http.ResponseWriter, r *http.Request) error {
	st, err := a.station(r)
	if err != nil {
		return err
	}
	st.Skip()
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	return nil
}
