package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A handler's own failure reaches the client as a generic message with a
// request id; the error's text, which names the server's files, reaches
// only the log, under the same id.
func TestInternalErrorHidesItsText(t *testing.T) {
	var logged bytes.Buffer
	a := &API{log: slog.New(slog.NewTextHandler(&logged, nil)), mux: http.NewServeMux()}
	secret := "open /var/lib/onair/onair.db: disk I/O error"
	a.handle("GET /api/boom", func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("list accounts: %w", errors.New(secret))
	})
	a.handle("GET /api/missing", func(w http.ResponseWriter, r *http.Request) error {
		return apiErr(ErrNotFound, "no such playlist: 7")
	})

	rec := httptest.NewRecorder()
	a.mux.ServeHTTP(rec, httptest.NewRequest("GET", "/api/boom", nil))
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	id := body["request_id"]
	if rec.Code != 500 || len(id) != 12 || rec.Header().Get("X-Request-Id") != id {
		t.Fatalf("answer %d %v, header id %q", rec.Code, body, rec.Header().Get("X-Request-Id"))
	}
	if strings.Contains(rec.Body.String(), "onair.db") || !strings.Contains(body["error"], id) {
		t.Errorf("the client was told %q", body["error"])
	}
	if log := logged.String(); !strings.Contains(log, "request_id="+id) || !strings.Contains(log, "disk I/O error") {
		t.Errorf("the log lacks the id or the error: %s", log)
	}

	// Two failures get two ids.
	rec2 := httptest.NewRecorder()
	a.mux.ServeHTTP(rec2, httptest.NewRequest("GET", "/api/boom", nil))
	if rec2.Header().Get("X-Request-Id") == id {
		t.Errorf("the same request id twice: %s", id)
	}

	// A client's own mistake is still explained to it.
	rec = httptest.NewRecorder()
	a.mux.ServeHTTP(rec, httptest.NewRequest("GET", "/api/missing", nil))
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "no such playlist: 7") {
		t.Errorf("404 answer %d %s", rec.Code, rec.Body)
	}
}
