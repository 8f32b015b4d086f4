package admin

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"onair/library"
)

// maxSearch is the most tracks one library search returns.
const maxSearch = 500

func (a *API) searchLibrary(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryInt(r, "limit", maxSearch)
	if err != nil {
		return err
	}
	tracks, err := a.deps.Library.Search(r.Context(), r.URL.Query().Get("q"), min(max(limit, 1), maxSearch))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, tracks)
	return nil
}

func (a *API) getTrack(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := a.deps.Library.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (a *API) rescan(w http.ResponseWriter, r *http.Request) error {
	a.deps.Library.Rescan()
	writeJSON(w, http.StatusAccepted, map[string]bool{"ok": true})
	return nil
}

// upload takes the multipart field "file" into the first media folder of
// the station named by ?station= (the first station by default). The
// file streams to disk as it arrives: nothing is held in memory.
func (a *API) upload(w http.ResponseWriter, r *http.Request) error {
	st := a.stations.Get(r.URL.Query().Get("station"))
	if r.URL.Query().Get("station") == "" {
		if list := a.stations.List(); len(list) > 0 {
			st = list[0]
		}
	}
	if st == nil {
		return apiErr(ErrNotFound, "no station "+r.URL.Query().Get("station"))
	}
	dirs := st.MediaDirs()
	if len(dirs) == 0 {
		return apiErr(ErrBadRequest, "station "+st.ID()+" has no media folder to upload into")
	}
	// The multipart framing adds a little to the file.
	r.Body = http.MaxBytesReader(w, r.Body, a.deps.MaxUpload+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return apiErr(ErrBadRequest, "upload: want a multipart/form-data body with a field named file")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return apiErr(ErrBadRequest, "upload: no field named file")
		}
		if err != nil {
			return uploadErr(err)
		}
		if part.FormName() != "file" {
			_ = part.Close() // skipping a field; the next part is what matters
			continue
		}
		t, err := a.deps.Library.Upload(r.Context(), dirs[0], part.FileName(), part, a.deps.MaxUpload)
		_ = part.Close() // read to its end or given up by Upload, which reports why
		if err != nil {
			return uploadErr(err)
		}
		a.log.Info("track uploaded", "component", "admin", "path", t.Path, "title", t.Title)
		writeJSON(w, http.StatusCreated, t)
		return nil
	}
}

// uploadErr turns a body cut off at the size limit into a clear 413.
func uploadErr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fmt.Errorf("upload: the file is over the limit of %d bytes: %w", tooBig.Limit, library.ErrTooLarge)
	}
	if errors.Is(err, multipart.ErrMessageTooLarge) {
		return fmt.Errorf("upload: %w", library.ErrTooLarge)
	}
	return err
}
