// Package admin is OnAir's JSON API for the console and for scripts. The
// broadcast server checks the admin's credentials before a request gets
// here. Routes use the standard library's method and path patterns.
package admin

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"onair/station"
)

// Errors handlers return; errorStatus maps them to status codes.
var (
	ErrNotFound   = errors.New("not found")
	ErrBadRequest = errors.New("bad request")
)

// API serves /api.
type API struct {
	stations *station.Set
	log      *slog.Logger
	mux      *http.ServeMux
}

// New makes the API over the server's stations.
func New(stations *station.Set, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &API{stations: stations, log: log, mux: http.NewServeMux()}
	a.handle("GET /api/stations", a.listStations)
	a.handle("POST /api/stations/{id}/skip", a.skip)
	a.handle("/api/", func(w http.ResponseWriter, r *http.Request) error {
		return apiErr(ErrNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return a
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle registers h, writing any error it returns as {"error": "…"}.
func (a *API) handle(pattern string, h handlerFunc) {
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			status := errorStatus(err)
			if status >= 500 {
				a.log.Error("api request failed", "component", "admin", "path", r.URL.Path, "err", err)
			}
			writeJSON(w, status, map[string]string{"error": err.Error()})
		}
	})
}

func errorStatus(err error) int {
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
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

func (a *API) listStations(w http.ResponseWriter, r *http.Request) error {
	out := []station.Info{}
	for _, st := range a.stations.List() {
		out = append(out, st.Info())
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) skip(w http.ResponseWriter, r *http.Request) error {
	st := a.stations.Get(r.PathValue("id"))
	if st == nil {
		return apiErr(ErrNotFound, "no station "+r.PathValue("id"))
	}
	st.Skip()
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	return nil
}
