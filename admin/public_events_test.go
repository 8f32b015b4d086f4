package admin

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"onair/internal/leakcheck"
	"onair/internal/testenv"
	"onair/station"
)

// openStream starts a GET of an event stream and returns the response
// once its headers are in; the caller closes the body.
func openStream(t *testing.T, url string) *http.Response {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp
}

// TestPublicEventsAreBoundedAndPublic: GET /api/nowplaying/events needs no
// credentials and is open to other sites; past its limit a stream is
// refused with 503 and a message, and a slot comes back when a client
// leaves; every stream ends when the API closes.
func TestPublicEventsAreBoundedAndPublic(t *testing.T) {
	leakcheck.Check(t)
	a := New(station.NewSet(), Deps{}, nil) // no accounts: only public routes answer
	// The same handler with a limit of two, beside the real route.
	a.handle("GET /test/nowplaying/events", a.publicEvents(2))
	hs := httptest.NewServer(a)
	t.Cleanup(hs.Close)

	first := openStream(t, hs.URL+"/api/nowplaying/events")
	defer first.Body.Close()
	if first.StatusCode != 200 || first.Header.Get("Content-Type") != "text/event-stream" ||
		first.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("anonymous public events: %d %v", first.StatusCode, first.Header)
	}
	line, err := bufio.NewReader(first.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "retry: ") {
		t.Errorf("first line %q, %v", line, err)
	}

	if resp := openStream(t, hs.URL+"/api/nowplaying/events?station=nope"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown station: %d", resp.StatusCode)
	} else {
		resp.Body.Close()
	}

	held := []*http.Response{openStream(t, hs.URL+"/test/nowplaying/events"), openStream(t, hs.URL+"/test/nowplaying/events")}
	for _, r := range held {
		if r.StatusCode != 200 {
			t.Fatalf("a stream within the limit: %d", r.StatusCode)
		}
	}
	over := openStream(t, hs.URL+"/test/nowplaying/events")
	var body map[string]string
	json.NewDecoder(over.Body).Decode(&body)
	over.Body.Close()
	if over.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body["error"], "too many") ||
		over.Header.Get("Retry-After") == "" || over.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("a stream over the limit: %d %v %v", over.StatusCode, body, over.Header)
	}

	// One leaves: a new one gets its place once the server has seen the
	// connection close.
	held[0].Body.Close()
	var again *http.Response
	testenv.WaitFor(t, "a slot after a client left", func() bool {
		again = openStream(t, hs.URL+"/test/nowplaying/events")
		if again.StatusCode == 200 {
			return true
		}
		again.Body.Close()
		return false
	})

	// Close ends them all.
	a.Close()
	for _, r := range []*http.Response{first, held[1], again} {
		done := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, r.Body)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("a stream after Close: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a stream still open 5 s after Close")
		}
		r.Body.Close()
	}
}
