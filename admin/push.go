package admin

import (
	"net/http"
	"time"

	"onair/broadcast"
)

// PushStatus tells what the pushes to other servers are doing
// (*broadcast.Pushes).
type PushStatus interface {
	Status() []broadcast.PushStatus
}

// pushView is one push as GET /api/push shows it. target hides the
// password; remote is what the remote server answered when it refused.
type pushView struct {
	Mount     string    `json:"mount"`
	Target    string    `json:"target"`
	State     string    `json:"state"`
	Since     time.Time `json:"since"`
	BytesOut  int64     `json:"bytes_out"`
	Attempts  int64     `json:"attempts"`
	LastError string    `json:"last_error"`
	Remote    string    `json:"remote"`
}

// listPush answers GET /api/push: every configured push, in the config's
// order; [] when there are none.
func (a *API) listPush(w http.ResponseWriter, r *http.Request) error {
	out := []pushView{}
	if a.deps.Push != nil {
		for _, st := range a.deps.Push.Status() {
			out = append(out, pushView{
				Mount: st.Mount, Target: st.Target, State: st.State, Since: st.Since,
				BytesOut: st.BytesOut, Attempts: st.Attempts, LastError: st.LastError, Remote: st.Remote,
			})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
