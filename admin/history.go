package admin

import (
	"net/http"

	"onair/playlist"
)

// history is GET /api/history?station=&limit=: public, newest first.
func (a *API) history(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	station := r.URL.Query().Get("station")
	if station != "" && a.stations.Get(station) == nil {
		return apiErr(ErrNotFound, "no station "+station)
	}
	plays, err := a.deps.History.List(r.Context(), station, min(max(limit, 1), playlist.MaxHistory))
	if err != nil {
		return err
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, plays)
	return nil
}
