package admin

import (
	"errors"
	"net/http"
	"path"

	"onair/station"
)

func (a *API) station(r *http.Request) (*station.Station, error) {
	st := a.stations.Get(r.PathValue("id"))
	if st == nil {
		return nil, apiErr(ErrNotFound, "no station "+r.PathValue("id"))
	}
	return st, nil
}

func (a *API) getMixer(w http.ResponseWriter, r *http.Request) error {
	st, err := a.station(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st.Mixer())
	return nil
}

func (a *API) patchMixer(w http.ResponseWriter, r *http.Request) error {
	st, err := a.station(r)
	if err != nil {
		return err
	}
	var c station.MixerChanges
	if err := readJSON(w, r, &c); err != nil {
		return err
	}
	m, err := st.ChangeMixer(r.Context(), c)
	if errors.Is(err, station.ErrInvalid) {
		return apiErr(ErrBadRequest, err.Error())
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// onOff is the body of POST …/mixer/ptt and …/mixer/lock.
type onOff struct {
	On *bool `json:"on"`
}

func readOnOff(w http.ResponseWriter, r *http.Request) (bool, error) {
	var b onOff
	if err := readJSON(w, r, &b); err != nil {
		return false, err
	}
	if b.On == nil {
		return false, apiErr(ErrBadRequest, `want {"on":true} or {"on":false}`)
	}
	return *b.On, nil
}

func (a *API) ptt(w http.ResponseWriter, r *http.Request) error {
	return a.switchMixer(w, r, (*station.Station).PushToTalk)
}

func (a *API) lock(w http.ResponseWriter, r *http.Request) error {
	return a.switchMixer(w, r, (*station.Station).Lock)
}

// switchMixer reads {"on": …} and throws the station's switch with it.
func (a *API) switchMixer(w http.ResponseWriter, r *http.Request, throw func(*station.Station, bool) station.MixerState) error {
	st, err := a.station(r)
	if err != nil {
		return err
	}
	on, err := readOnOff(w, r)
	if err != nil {
		return err
	}
	a.log.Info("mixer switch", "component", "admin", "station", st.ID(), "switch", path.Base(r.URL.Path), "on", on, "by", actor(r))
	writeJSON(w, http.StatusOK, throw(st, on))
	return nil
}
