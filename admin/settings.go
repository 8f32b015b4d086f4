package admin

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"onair/settings"
)

// SettingsService is what GET and PATCH /api/settings read and change;
// *settings.Manager is one.
type SettingsService interface {
	View() settings.View
	Patch(ctx context.Context, p settings.Patch) (settings.View, error)
}

// settingsService is the settings, or the error to answer without them.
func (a *API) settingsService() (SettingsService, error) {
	if a.deps.Settings == nil {
		return nil, apiErr(ErrNotFound, "settings are not set up")
	}
	return a.deps.Settings, nil
}

func (a *API) getSettings(w http.ResponseWriter, r *http.Request) error {
	svc, err := a.settingsService()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, svc.View())
	return nil
}

// patchSettings changes settings: everything is checked before anything
// changes. A refusal answers 400 with every problem, also by key in
// "problems" so that a form can show each next to its field.
func (a *API) patchSettings(w http.ResponseWriter, r *http.Request) error {
	svc, err := a.settingsService()
	if err != nil {
		return err
	}
	p, err := settings.DecodePatch(http.MaxBytesReader(w, r.Body, maxJSON))
	if err == nil {
		var v settings.View
		if v, err = svc.Patch(r.Context(), p); err == nil {
			a.log.Info("settings changed", "component", "admin", "by", actor(r), "keys", patchedKeys(p))
			writeJSON(w, http.StatusOK, v)
			return nil
		}
	}
	var inv *settings.Invalid
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.As(err, &inv):
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": inv.Error(), "problems": inv.Problems})
		return nil
	}
	return err
}

// patchedKeys names the keys a change set, for the log: never values,
// since one may be a password.
func patchedKeys(p settings.Patch) []string {
	var keys []string
	for _, k := range []struct {
		name  string
		given bool
	}{
		{"max_listeners", p.MaxListeners.Given},
		{"max_bandwidth_kbps", p.MaxBandwidthKbps.Given},
		{"max_connections_per_ip", p.MaxConnectionsPerIP.Given},
		{"source_password", p.SourcePassword.Given},
	} {
		if k.given {
			keys = append(keys, k.name)
		}
	}
	for id, sp := range p.Stations {
		for _, k := range []struct {
			name  string
			given bool
		}{
			{"name", sp.Name.Given}, {"description", sp.Description.Given}, {"genre", sp.Genre.Given},
			{"url", sp.URL.Given}, {"media_dirs", sp.MediaDirs.Given},
		} {
			if k.given {
				keys = append(keys, "stations."+id+"."+k.name)
			}
		}
	}
	slices.Sort(keys)
	return keys
}
