package admin

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"onair/accesslog"
	"onair/accounts"
	"onair/internal/leakcheck"
	"onair/logbook"
	"onair/station"
	"onair/store"
)

// logsEnv is an API with small log rings and the accounts "boss" (admin)
// and "dj", behind a loopback test server.
type logsEnv struct {
	srv    *httptest.Server
	errors *logbook.Ring[logbook.Record]
	access *logbook.Ring[accesslog.Entry]
}

func newLogsAPI(t *testing.T, size int) *logsEnv {
	t.Helper()
	leakcheck.Check(t) // event streams end with their clients and with the API
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	accts := accounts.New(db)
	accts.Cost = bcrypt.MinCost
	for _, a := range []struct {
		user, pass string
		role       accounts.Role
	}{{"boss", bossPass, accounts.RoleAdmin}, {"dj", djPass, accounts.RoleDJ}} {
		if _, err := accts.Create(context.Background(), a.user, a.pass, a.role); err != nil {
			t.Fatal(err)
		}
	}
	e := &logsEnv{errors: logbook.NewRing[logbook.Record](size), access: logbook.NewRing[accesslog.Entry](size)}
	api := New(station.NewSet(), Deps{
		Auth: AuthDeps{Accounts: accts},
		Logs: LogDeps{Errors: e.errors, Access: e.access},
	}, nil)
	e.srv = httptest.NewServer(api)
	t.Cleanup(func() { api.Close(); e.srv.Close() })
	return e
}

// get sends GET path as user (password from the test accounts; "" is
// anonymous) and returns the status and body.
func (e *logsEnv) get(t *testing.T, user, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	setUser(req, user)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func setUser(req *http.Request, user string) {
	switch user {
	case "boss":
		req.SetBasicAuth("boss", bossPass)
	case "dj":
		req.SetBasicAuth("dj", djPass)
	}
}

var logStart = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// listenerEntry is the access entry of listener n, who stayed n seconds.
func listenerEntry(n int) accesslog.Entry {
	return accesslog.Entry{
		IP: "192.0.2.1", Method: "GET", URI: "/stream", Proto: "HTTP/1.1", Status: 200, Bytes: int64(1000 * n),
		UserAgent: fmt.Sprintf("player/%d <b>", n), Start: logStart, Duration: time.Duration(n) * time.Second,
	}
}

// logRecords fills the error ring through a real logger, as the server does.
func logRecords(ring *logbook.Ring[logbook.Record]) {
	log := slog.New(logbook.NewHandler(slog.DiscardHandler, ring, slog.LevelInfo)).With("component", "broadcast")
	log.Debug("not kept")
	log.Info("on air", "listen", "127.0.0.1:8000")
	log.Warn("source refused: bad password", "user", "dj one")
	log.Error("store failed", "err", "disk full")
}

// TestLogsAPI: GET /api/logs answers each log's tail in its documented
// shape, newest last; limit and after narrow it; bad parameters are 400;
// DJs and anonymous callers are refused.
func TestLogsAPI(t *testing.T) {
	e := newLogsAPI(t, 8)
	logRecords(e.errors)
	for n := 1; n <= 10; n++ { // two more than the ring keeps
		e.access.Add(listenerEntry(n))
	}

	code, body := e.get(t, "boss", "/api/logs?kind=error")
	var errs []map[string]any
	if err := json.Unmarshal(body, &errs); code != 200 || err != nil || len(errs) != 3 {
		t.Fatalf("error log: %d %s", code, body)
	}
	want := []map[string]any{
		{"seq": 1.0, "level": "INFO", "message": "on air", "attrs": "component=broadcast listen=127.0.0.1:8000"},
		{"seq": 2.0, "level": "WARN", "message": "source refused: bad password", "attrs": `component=broadcast user="dj one"`},
		{"seq": 3.0, "level": "ERROR", "message": "store failed", "attrs": `component=broadcast err="disk full"`},
	}
	for i, w := range want {
		for k, v := range w {
			if errs[i][k] != v {
				t.Errorf("error entry %d: %s = %v, want %v (%v)", i, k, errs[i][k], v, errs[i])
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(errs[i]["time"])); err != nil || len(errs[i]) != 5 {
			t.Errorf("error entry %d: want seq, time, level, message, attrs: %v", i, errs[i])
		}
	}
	// Without kind, the error log.
	if code, body2 := e.get(t, "boss", "/api/logs"); code != 200 || string(body2) != string(body) {
		t.Errorf("no kind: %d %s", code, body2)
	}

	var acc []struct {
		Seq  uint64
		Time time.Time
		Line string
		Kind *string
	}
	code, body = e.get(t, "boss", "/api/logs?kind=access")
	if err := json.Unmarshal(body, &acc); code != 200 || err != nil || len(acc) != 8 {
		t.Fatalf("access log: %d %s", code, body)
	}
	for i, a := range acc {
		n := i + 3 // entries 1 and 2 were overwritten
		line := string(accesslog.AppendLine(nil, listenerEntry(n)))
		if a.Seq != uint64(n) || a.Line+"\n" != line || !a.Time.Equal(logStart.Add(time.Duration(n)*time.Second)) || a.Kind != nil {
			t.Errorf("access entry %d: %+v, want seq %d line %q", i, a, n, line)
		}
	}

	tests := []struct {
		query string
		seqs  []uint64
	}{
		{"kind=access&limit=2", []uint64{9, 10}},
		{"kind=access&limit=5000", []uint64{3, 4, 5, 6, 7, 8, 9, 10}},
		{"kind=access&after=8", []uint64{9, 10}},
		{"kind=access&after=4&limit=2", []uint64{5, 6}},
		{"kind=access&after=10", []uint64{}},
		{"kind=access&after=0&limit=1", []uint64{3}},
		{"kind=error&after=2", []uint64{3}},
	}
	for _, tt := range tests {
		var got []struct{ Seq uint64 }
		code, body := e.get(t, "boss", "/api/logs?"+tt.query)
		if err := json.Unmarshal(body, &got); code != 200 || err != nil || got == nil {
			t.Errorf("%s: %d %s", tt.query, code, body)
			continue
		}
		seqs := []uint64{}
		for _, g := range got {
			seqs = append(seqs, g.Seq)
		}
		if fmt.Sprint(seqs) != fmt.Sprint(tt.seqs) {
			t.Errorf("%s: seqs %v, want %v", tt.query, seqs, tt.seqs)
		}
	}

	for _, q := range []string{"kind=debug", "kind=Error", "limit=0", "limit=x", "after=-1", "after=x"} {
		code, body := e.get(t, "boss", "/api/logs?"+q)
		var msg map[string]string
		json.Unmarshal(body, &msg)
		if code != 400 || msg["error"] == "" {
			t.Errorf("%s: %d %s, want 400 with a message", q, code, body)
		}
	}
	if code, body := e.get(t, "dj", "/api/logs?kind=access"); code != 403 || !strings.Contains(string(body), "admins only") {
		t.Errorf("as a DJ: %d %s", code, body)
	}
	if code, _ := e.get(t, "", "/api/logs"); code != 401 {
		t.Errorf("anonymous: %d", code)
	}
}

// TestLogsAPIWithoutRings: an API given no logs answers empty lists.
func TestLogsAPIWithoutRings(t *testing.T) {
	api := New(station.NewSet(), Deps{}, nil)
	defer api.Close()
	for _, kind := range []string{"error", "access"} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/api/logs?kind="+kind, nil)
		api.mux.ServeHTTP(rec, req)
		if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "[]" {
			t.Errorf("%s: %d %s", kind, rec.Code, rec.Body)
		}
	}
}

type logSSE struct {
	id   string
	data map[string]any
}

// openLogEvents opens GET /api/events?query as user and returns a
// channel of its `log` events (closed when the stream ends) and the
// response, or the refusal's status.
func (e *logsEnv) openLogEvents(t *testing.T, user, query, lastID string) (<-chan logSSE, int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/events?"+query, nil)
	setUser(req, user)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		cancel()
		return nil, resp.StatusCode
	}
	out := make(chan logSSE, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var name string
		var ev logSSE
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data)
			case line == "":
				if name != "" && name != "log" {
					t.Errorf("a %s event in a stream of logs alone", name)
				}
				if name == "log" {
					out <- ev
				}
				name, ev = "", logSSE{}
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return out, 200
}

// nextLog waits up to 5 s for the stream's next `log` event.
func nextLog(t *testing.T, events <-chan logSSE) logSSE {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the events stream ended")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no log event within 5 s")
	}
	return logSSE{}
}

// TestLogEvents: an admin's /api/events?logs=access,error gets `log`
// events for entries made after it connected (not the older ones), each
// naming its log, with an id to resume from; kind:SEQ and Last-Event-ID
// start after that entry; a DJ is refused; an unknown log is a 400.
func TestLogEvents(t *testing.T) {
	e := newLogsAPI(t, 100)
	e.access.Add(listenerEntry(1)) // before the stream: not sent
	logRecords(e.errors)

	events, code := e.openLogEvents(t, "boss", "logs=access,error", "")
	if code != 200 {
		t.Fatalf("events as admin: %d", code)
	}
	// The stream took its place in the logs before it answered.
	e.access.Add(listenerEntry(2))
	ev := nextLog(t, events)
	wantLine := strings.TrimSuffix(string(accesslog.AppendLine(nil, listenerEntry(2))), "\n")
	if ev.data["kind"] != "access" || ev.data["seq"] != 2.0 || ev.data["line"] != wantLine || ev.id != "error:3,access:2" {
		t.Fatalf("access event: id %q data %v", ev.id, ev.data)
	}
	slog.New(logbook.NewHandler(slog.DiscardHandler, e.errors, slog.LevelInfo)).Warn("source refused", "user", "x")
	ev = nextLog(t, events)
	if ev.data["kind"] != "error" || ev.data["seq"] != 4.0 || ev.data["level"] != "WARN" || ev.data["message"] != "source refused" ||
		ev.data["attrs"] != "user=x" || ev.id != "error:4,access:2" {
		t.Fatalf("error event: id %q data %v", ev.id, ev.data)
	}

	// kind:SEQ starts after that entry; a reconnecting browser's
	// Last-Event-ID wins over it.
	from, _ := e.openLogEvents(t, "boss", "logs=error:1", "")
	for _, want := range []float64{2, 3, 4} {
		if ev := nextLog(t, from); ev.data["seq"] != want || ev.data["kind"] != "error" {
			t.Fatalf("logs=error:1: %v, want seq %v", ev.data, want)
		}
	}
	resumed, _ := e.openLogEvents(t, "boss", "logs=error:0,access:0", "error:3,access:1")
	got := map[string]float64{}
	for range 2 {
		ev := nextLog(t, resumed)
		got[fmt.Sprint(ev.data["kind"])] = ev.data["seq"].(float64)
	}
	if got["error"] != 4 || got["access"] != 2 {
		t.Errorf("resumed after error:3,access:1: got %v", got)
	}

	if _, code := e.openLogEvents(t, "dj", "logs=error", ""); code != 403 {
		t.Errorf("log events as a DJ: %d, want 403", code)
	}
	if _, code := e.openLogEvents(t, "dj", "", ""); code != 200 {
		t.Errorf("events without logs as a DJ: %d, want 200", code)
	}
	for _, q := range []string{"logs=debug", "logs=error,error", "logs=error:x", "logs=access:-2"} {
		if _, code := e.openLogEvents(t, "boss", q, ""); code != 400 {
			t.Errorf("%s: %d, want 400", q, code)
		}
	}
}

// adminRequest is a request as the auth gate hands it on for an admin.
func adminRequest(target string) *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	return r.WithContext(context.WithValue(r.Context(), identityKey{}, Identity{Username: "boss", Role: accounts.RoleAdmin}))
}

// TestLogFollowerGap: a stream that falls behind by more than the ring
// holds gets a gap marker saying how many entries it missed, then the
// entries still kept, and an id that counts the missed ones as passed.
// A silent stream gets a keep-alive comment now and then.
func TestLogFollowerGap(t *testing.T) {
	e := &logsEnv{errors: logbook.NewRing[logbook.Record](4), access: logbook.NewRing[accesslog.Entry](4)}
	a := New(station.NewSet(), Deps{Logs: LogDeps{Errors: e.errors, Access: e.access}}, nil)
	defer a.Close()
	f, err := a.followLogs(adminRequest("/api/events?logs=access:0"))
	if err != nil || f == nil {
		t.Fatalf("followLogs: %v %v", f, err)
	}
	for n := 1; n <= 10; n++ {
		e.access.Add(listenerEntry(n))
	}
	var buf bytes.Buffer
	now := time.Now()
	f.appendEvents(&buf, now)
	events := strings.Split(strings.TrimSuffix(buf.String(), "\n\n"), "\n\n")
	if len(events) != 5 {
		t.Fatalf("%d events, want a gap marker and 4 entries:\n%s", len(events), buf.String())
	}
	if events[0] != "event: log\nid: access:6\ndata: {\"kind\":\"access\",\"missed\":6}" {
		t.Errorf("gap marker:\n%s", events[0])
	}
	if !strings.HasPrefix(events[1], "event: log\nid: access:7\ndata: {\"kind\":\"access\",\"seq\":7,") ||
		!strings.HasPrefix(events[4], "event: log\nid: access:10\ndata: {\"kind\":\"access\",\"seq\":10,") {
		t.Errorf("entries after the gap:\n%s", buf.String())
	}

	buf.Reset()
	f.appendEvents(&buf, now.Add(time.Second))
	if buf.Len() != 0 {
		t.Errorf("nothing new, yet %q", buf.String())
	}
	f.appendEvents(&buf, now.Add(logKeepAlive+time.Second))
	if buf.String() != ":\n\n" {
		t.Errorf("after %v of silence: %q, want a comment line", logKeepAlive, buf.String())
	}

	if f, err := a.followLogs(adminRequest("/api/events")); f != nil || err != nil {
		t.Errorf("no logs asked for: %v %v", f, err)
	}
	dj := httptest.NewRequest("GET", "/api/events?logs=error", nil)
	dj = dj.WithContext(context.WithValue(dj.Context(), identityKey{}, Identity{Username: "dj", Role: accounts.RoleDJ}))
	if _, err := a.followLogs(dj); err != errAdminsOnly {
		t.Errorf("a DJ: %v", err)
	}
}

// TestSlowEventsClientHoldsNothingUp: a client that asked for log events
// and reads nothing fills its connection's buffers; the logger goes on
// adding entries at full speed all the same, and that client's stream
// ends when it goes away.
func TestSlowEventsClientHoldsNothingUp(t *testing.T) {
	e := newLogsAPI(t, logbook.DefaultSize)
	u, _ := url.Parse(e.srv.URL)
	c, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/events?logs=access,error", nil)
	req.SetBasicAuth("boss", bossPass)
	if err := req.Write(c); err != nil {
		t.Fatal(err)
	}
	log := slog.New(logbook.NewHandler(slog.DiscardHandler, e.errors, slog.LevelInfo))
	const entries = 200_000 // tens of megabytes of events: far more than socket buffers hold
	start := time.Now()
	for n := range entries {
		e.access.Add(listenerEntry(n))
		log.Info("listener left", "n", n)
		if n%1000 == 0 && time.Since(start) > 20*time.Second {
			t.Fatalf("only %d entries logged in 20 s: a stalled client holds the logger up", n)
		}
	}
	if e.access.Last() != entries || e.errors.Last() != entries {
		t.Errorf("logged %d and %d entries, want %d", e.access.Last(), e.errors.Last(), entries)
	}
}
