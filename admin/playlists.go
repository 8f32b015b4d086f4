package admin

import (
	"net/http"

	"onair/playlist"
)

func (a *API) listPlaylists(w http.ResponseWriter, r *http.Request) error {
	list, err := a.deps.Playlists.List(r.Context(), r.URL.Query().Get("station"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (a *API) createPlaylist(w http.ResponseWriter, r *http.Request) error {
	var c playlist.Changes
	if err := readJSON(w, r, &c); err != nil {
		return err
	}
	if c.Station == nil {
		// One station is the common case: it needs no naming.
		if list := a.stations.List(); len(list) == 1 {
			id := list[0].ID()
			c.Station = &id
		}
	}
	pl, err := a.deps.Playlists.Create(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, pl)
	return nil
}

// playlistWithItems is GET /api/playlists/{id}: the playlist and its items.
type playlistWithItems struct {
	playlist.Playlist
	Items []playlist.ListedItem `json:"items"`
}

func (a *API) getPlaylist(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pl, err := a.deps.Playlists.Get(r.Context(), id)
	if err != nil {
		return err
	}
	items, err := a.deps.Playlists.Items(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, playlistWithItems{pl, items})
	return nil
}

func (a *API) updatePlaylist(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var c playlist.Changes
	if err := readJSON(w, r, &c); err != nil {
		return err
	}
	pl, err := a.deps.Playlists.Update(r.Context(), id, c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pl)
	return nil
}

func (a *API) deletePlaylist(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.deps.Playlists.Delete(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	return nil
}

func (a *API) getItems(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	items, err := a.deps.Playlists.Items(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

func (a *API) setItems(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var items []playlist.Item
	if err := readJSON(w, r, &items); err != nil {
		return err
	}
	out, err := a.deps.Playlists.SetItems(r.Context(), id, items)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) startPlaylist(w http.ResponseWriter, r *http.Request) error {
	return a.setActive(w, r, true)
}

func (a *API) stopPlaylist(w http.ResponseWriter, r *http.Request) error {
	return a.setActive(w, r, false)
}

func (a *API) setActive(w http.ResponseWriter, r *http.Request, on bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pl, err := a.deps.Playlists.SetActive(r.Context(), id, on)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pl)
	return nil
}
