package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"onair/audience"
	"onair/bans"
	"onair/broadcast"
)

// ListenerServer is what the listeners and bans API needs of the
// broadcast server; *broadcast.Server is one.
type ListenerServer interface {
	ListenerList(mount string) []broadcast.ListenerInfo
	KickListener(id uint64) bool
	KickPrefix(p netip.Prefix) int
	MountStats(path string) (broadcast.MountStats, bool)
	ClientAddr(r *http.Request) netip.Addr
	// Relays are the pull relays' states, for GET /api/relays.
	Relays() []broadcast.RelayStatus
}

// BanList is the ban list; *bans.List is one.
type BanList interface {
	List() []bans.Ban
	Add(ctx context.Context, prefix, reason string) (bans.Ban, bool, error)
	Remove(ctx context.Context, prefix string) error
}

// ListenerHistory is the listener counts over time; *audience.Recorder is
// one.
type ListenerHistory interface {
	History(ctx context.Context, mount string, since time.Time) ([]audience.Sample, error)
}

// ListenerDeps are what GET /api/listeners, /api/listeners/history and
// /api/bans work on. A nil field answers 404 for its routes.
type ListenerDeps struct {
	Server  ListenerServer
	Bans    BanList
	History ListenerHistory
}

// maxHistoryHours is how far back GET /api/listeners/history reaches:
// samples are kept for 25 hours.
const maxHistoryHours = 25

// listListeners is GET /api/listeners?mount=.
func (a *API) listListeners(w http.ResponseWriter, r *http.Request) error {
	srv, err := a.listenerServer()
	if err != nil {
		return err
	}
	mount := r.URL.Query().Get("mount")
	if mount != "" {
		if _, ok := srv.MountStats(mount); !ok {
			return apiErr(ErrNotFound, "no mount "+mount)
		}
	}
	writeJSON(w, http.StatusOK, srv.ListenerList(mount))
	return nil
}

// listRelays is GET /api/relays: each pull relay's state, upstream in
// use, bytes in and since when.
func (a *API) listRelays(w http.ResponseWriter, r *http.Request) error {
	srv, err := a.listenerServer()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, srv.Relays())
	return nil
}

// kickListener is DELETE /api/listeners/{id}.
func (a *API) kickListener(w http.ResponseWriter, r *http.Request) error {
	srv, err := a.listenerServer()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if !srv.KickListener(uint64(id)) {
		return apiErr(ErrNotFound, fmt.Sprintf("no listener %d is connected", id))
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	return nil
}

// listenerHistory is the answer of GET /api/listeners/history.
type listenerHistory struct {
	Mount   string            `json:"mount"`
	Peak    int               `json:"peak"`
	Samples []audience.Sample `json:"samples"`
}

// getListenerHistory is GET /api/listeners/history?mount=&hours=24: the
// minute-by-minute counts of an output or passthrough mount (the first
// station's output when mount is not given) and the peak in that window.
func (a *API) getListenerHistory(w http.ResponseWriter, r *http.Request) error {
	srv, err := a.listenerServer()
	if err != nil {
		return err
	}
	if a.deps.Listeners.History == nil {
		return apiErr(ErrNotFound, "no listener history on this server")
	}
	hours, err := queryInt(r, "hours", 24)
	if err != nil {
		return err
	}
	if hours < 1 || hours > maxHistoryHours {
		return apiErr(ErrBadRequest, fmt.Sprintf("bad hours %d: want 1..%d", hours, maxHistoryHours))
	}
	mount := r.URL.Query().Get("mount")
	if mount == "" {
		if list := a.stations.List(); len(list) > 0 {
			mount = list[0].Info(r.Context()).Mount
		}
	}
	if mount == "" {
		return apiErr(ErrBadRequest, "which mount? give ?mount=")
	}
	st, ok := srv.MountStats(mount)
	if !ok || st.Input {
		return apiErr(ErrNotFound, "no output or passthrough mount "+mount)
	}
	since := time.Now().Add(-time.Duration(hours) * time.Hour)
	samples, err := a.deps.Listeners.History.History(r.Context(), mount, since)
	if err != nil {
		return err
	}
	// Samples are a minute apart: the mount's own peak catches a rush
	// between two, when it dates from inside the window.
	peak := st.Listeners
	if !st.Since.Before(since) {
		peak = max(peak, st.Peak)
	}
	for _, s := range samples {
		peak = max(peak, s.Listeners)
	}
	writeJSON(w, http.StatusOK, listenerHistory{Mount: mount, Peak: peak, Samples: samples})
	return nil
}

// listBans is GET /api/bans.
func (a *API) listBans(w http.ResponseWriter, r *http.Request) error {
	if a.deps.Listeners.Bans == nil {
		return apiErr(ErrNotFound, "no ban list on this server")
	}
	writeJSON(w, http.StatusOK, a.deps.Listeners.Bans.List())
	return nil
}

// banRequest is the body of POST /api/bans.
type banRequest struct {
	Prefix string `json:"prefix"`
	Reason string `json:"reason"`
}

// banAnswer is a ban with the listeners it disconnected.
type banAnswer struct {
	bans.Ban
	Kicked int `json:"kicked"`
}

// addBan is POST /api/bans {"prefix","reason"}: bans an address or CIDR
// prefix and disconnects its listeners. A ban that would shut out the
// admin asking for it is refused.
func (a *API) addBan(w http.ResponseWriter, r *http.Request) error {
	srv, err := a.listenerServer()
	if err != nil {
		return err
	}
	if a.deps.Listeners.Bans == nil {
		return apiErr(ErrNotFound, "no ban list on this server")
	}
	var req banRequest
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	p, err := bans.ParsePrefix(req.Prefix)
	if err != nil {
		return apiErr(ErrBadRequest, err.Error())
	}
	if me := srv.ClientAddr(r); me.IsValid() && p.Contains(me.Unmap()) {
		return apiErr(ErrBadRequest, fmt.Sprintf("%s contains your own address %s: the ban would lock you out", p, me))
	}
	b, created, err := a.deps.Listeners.Bans.Add(r.Context(), p.String(), req.Reason)
	if errors.Is(err, bans.ErrInvalid) {
		return apiErr(ErrBadRequest, err.Error())
	}
	if err != nil {
		return err
	}
	kicked := srv.KickPrefix(p)
	a.log.Info("address banned", "component", "admin", "prefix", b.Prefix, "reason", b.Reason, "kicked", kicked)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, banAnswer{Ban: b, Kicked: kicked})
	return nil
}

// deleteBan is DELETE /api/bans/{prefix...}; the prefix's slash may be
// escaped (%2F) or not.
func (a *API) deleteBan(w http.ResponseWriter, r *http.Request) error {
	if a.deps.Listeners.Bans == nil {
		return apiErr(ErrNotFound, "no ban list on this server")
	}
	prefix := r.PathValue("prefix")
	err := a.deps.Listeners.Bans.Remove(r.Context(), prefix)
	switch {
	case errors.Is(err, bans.ErrInvalid):
		return apiErr(ErrBadRequest, err.Error())
	case errors.Is(err, bans.ErrNotFound):
		return apiErr(ErrNotFound, err.Error())
	case err != nil:
		return err
	}
	a.log.Info("ban lifted", "component", "admin", "prefix", prefix)
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	return nil
}

func (a *API) listenerServer() (ListenerServer, error) {
	if a.deps.Listeners.Server == nil {
		return nil, apiErr(ErrNotFound, "no listeners on this server")
	}
	return a.deps.Listeners.Server, nil
}
