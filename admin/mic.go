package admin

import (
	"fmt"
	"net/http"
)

// mic serves GET /api/stations/{id}/mic, the browser microphone's
// WebSocket (the protocol is MicSocket's). A station whose mic is not the
// browser's answers 409 before any upgrade.
func (a *API) mic(w http.ResponseWriter, r *http.Request) error {
	st, err := a.station(r)
	if err != nil {
		return err
	}
	b := st.BrowserMic()
	if b == nil {
		backend := st.MicBackend()
		if backend == "" {
			backend = "none"
		}
		writeJSON(w, http.StatusConflict, map[string]string{
			"error": fmt.Sprintf("station %s does not take the browser's microphone (its mic backend is %s)", st.ID(), backend),
		})
		return nil
	}
	ms := &MicSocket{Mic: b, Talk: stationTalker{st}, Log: st.Logger()}
	ms.ServeHTTP(w, r)
	return nil
}

// talk serves GET /api/stations/{id}/talk, the WebSocket a console page
// holds Push to Talk over when it does not send its own microphone: talk
// ends if the page goes (TalkSocket).
func (a *API) talk(w http.ResponseWriter, r *http.Request) error {
	st, err := a.station(r)
	if err != nil {
		return err
	}
	ts := &TalkSocket{Talk: stationTalker{st}, Log: st.Logger(), Done: st.Done()}
	ts.ServeHTTP(w, r)
	return nil
}
