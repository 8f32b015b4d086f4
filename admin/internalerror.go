package admin

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
)

// internalError answers a failure of the server's own (a store that cannot
// be read, a disk that is full) without its text, which can name files,
// tables and addresses a client has no business seeing. The log gets the
// whole error under a request id; the client gets the same id, so that an
// operator can find one from the other.
func internalError(w http.ResponseWriter, r *http.Request, log *slog.Logger, what string, err error) {
	id := requestID()
	log.Error(what, "component", "admin", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
	w.Header().Set("X-Request-Id", id)
	writeJSON(w, http.StatusInternalServerError, map[string]string{
		"error":      "internal error: the server's log has the details under request id " + id,
		"request_id": id,
	})
}

// requestID is 12 random hex digits: enough to tell a day's errors apart.
func requestID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail on Linux
	return hex.EncodeToString(b[:])
}
