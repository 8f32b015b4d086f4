package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"onair/accesslog"
	"onair/accounts"
	"onair/logbook"
)

// LogDeps are the logs GET /api/logs and the events stream's `log`
// events show: the server's recent log records (Info and above) and
// access log entries. A nil ring shows as an empty log.
type LogDeps struct {
	Errors *logbook.Ring[logbook.Record]
	Access *logbook.Ring[accesslog.Entry]
}

// The logs, as ?kind= and ?logs= name them.
const (
	logError  = "error"
	logAccess = "access"
)

const (
	// defaultLogLimit is how many entries GET /api/logs answers without
	// ?limit=: what the console shows.
	defaultLogLimit = 200
	// maxLogRead bounds one read, by a request or by one tick of an
	// events stream: as much as a log keeps.
	maxLogRead = logbook.DefaultSize
	// logKeepAlive is how long a stream of log events alone stays silent
	// before a comment line keeps proxies from closing it.
	logKeepAlive = 15 * time.Second
)

// errAdminsOnly refuses a DJ who asks for log events.
var errAdminsOnly = errors.New(msgAdminsOnly)

// errorLogEntry is a record of the error log as the API shows it. Kind is
// set in events only, where both logs share one event type.
type errorLogEntry struct {
	Kind    string    `json:"kind,omitempty"`
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Level   string    `json:"level"`
	Message string    `json:"message"`
	Attrs   string    `json:"attrs"`
}

// accessLogEntry is an access log entry as the API shows it: the line the
// access log file holds, and when the request or connection ended.
type accessLogEntry struct {
	Kind string    `json:"kind,omitempty"`
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Line string    `json:"line"`
}

func errorEntryOf(kind string, it logbook.Item[logbook.Record]) errorLogEntry {
	r := it.Value
	return errorLogEntry{Kind: kind, Seq: it.Seq, Time: r.Time, Level: r.Level.String(), Message: r.Message, Attrs: r.Attrs}
}

func accessEntryOf(kind string, it logbook.Item[accesslog.Entry]) accessLogEntry {
	e := it.Value
	line := accesslog.AppendLine(nil, e)
	return accessLogEntry{Kind: kind, Seq: it.Seq, Time: e.Start.Add(e.Duration), Line: string(line[:len(line)-1])}
}

// getLogs serves GET /api/logs?kind=error|access&limit=200&after=SEQ:
// the last limit entries of a log, oldest first; with after, the first
// limit entries that came after that sequence number.
func (a *API) getLogs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", defaultLogLimit)
	if err != nil {
		return err
	}
	if limit < 1 {
		return apiErr(ErrBadRequest, fmt.Sprintf("bad limit %d: want 1 or more", limit))
	}
	limit = min(limit, maxLogRead)
	after, hasAfter := uint64(0), q.Has("after")
	if hasAfter {
		if after, err = strconv.ParseUint(q.Get("after"), 10, 64); err != nil {
			return apiErr(ErrBadRequest, fmt.Sprintf("bad after %q: want a sequence number", q.Get("after")))
		}
	}
	switch kind := q.Get("kind"); kind {
	case logError, "":
		writeJSON(w, http.StatusOK, readLog(a.deps.Logs.Errors, after, hasAfter, limit, errorEntryOf))
	case logAccess:
		writeJSON(w, http.StatusOK, readLog(a.deps.Logs.Access, after, hasAfter, limit, accessEntryOf))
	default:
		return apiErr(ErrBadRequest, fmt.Sprintf("bad kind %q: want error or access", kind))
	}
	return nil
}

// readLog reads a log's tail, or what came after a sequence number, as
// the API shows it.
func readLog[T, V any](ring *logbook.Ring[T], after uint64, hasAfter bool, limit int, view func(string, logbook.Item[T]) V) []V {
	out := []V{}
	if ring == nil {
		return out
	}
	var items []logbook.Item[T]
	if hasAfter {
		items, _ = ring.After(nil, after, limit)
	} else {
		items = ring.Tail(nil, limit)
	}
	for _, it := range items {
		out = append(out, view("", it))
	}
	return out
}

// logEvent is one entry's `log` event, ready to send.
type logEvent struct {
	seq  uint64
	data []byte
}

// logFeed follows one log for one events stream.
type logFeed struct {
	kind string
	seq  uint64 // the last entry sent
	// read returns the entries after seq as events, and how many were
	// overwritten before this stream could read them.
	read func(after uint64) (missed uint64, events []logEvent)
}

func newLogFeed[T, V any](kind string, ring *logbook.Ring[T], start uint64, view func(string, logbook.Item[T]) V) *logFeed {
	var items []logbook.Item[T]
	var events []logEvent
	return &logFeed{kind: kind, seq: start, read: func(after uint64) (uint64, []logEvent) {
		var missed uint64
		items, missed = ring.After(items[:0], after, maxLogRead)
		events = events[:0]
		for _, it := range items {
			data, err := json.Marshal(view(kind, it))
			if err == nil {
				events = append(events, logEvent{seq: it.Seq, data: data})
			}
		}
		return missed, events
	}}
}

// logFollower sends an events stream's `log` events: each log's new
// entries, read from its ring at the stream's own pace. A stream too slow
// for its log gets a gap marker, {"kind","missed"}, for what it lost.
type logFollower struct {
	feeds    []*logFeed
	lastSent time.Time
}

// followLogs reads ?logs=error,access (each kind optionally as kind:SEQ,
// to start after that entry) and the Last-Event-ID of a reconnecting
// browser. It returns nil when the stream asked for no logs, and
// errAdminsOnly when a DJ did. Without a sequence number, a log is
// followed from its next entry.
func (a *API) followLogs(r *http.Request) (*logFollower, error) {
	spec := r.URL.Query().Get("logs")
	if spec == "" {
		return nil, nil
	}
	if id, ok := IdentityFrom(r.Context()); !ok || id.Role != accounts.RoleAdmin {
		return nil, errAdminsOnly
	}
	starts, err := parseLogCursors(spec)
	if err != nil {
		return nil, apiErr(ErrBadRequest, "bad logs: "+err.Error())
	}
	// A browser that reconnects says where it was: "error:12,access:3".
	if resume, err := parseLogCursors(r.Header.Get("Last-Event-ID")); err == nil {
		for kind, seq := range resume {
			if _, asked := starts[kind]; asked && seq >= 0 {
				starts[kind] = seq
			}
		}
	}
	f := &logFollower{lastSent: time.Now()}
	logs := a.deps.Logs
	if start, asked := starts[logError]; asked && logs.Errors != nil {
		f.feeds = append(f.feeds, newLogFeed(logError, logs.Errors, startSeq(start, logs.Errors.Last()), errorEntryOf))
	}
	if start, asked := starts[logAccess]; asked && logs.Access != nil {
		f.feeds = append(f.feeds, newLogFeed(logAccess, logs.Access, startSeq(start, logs.Access.Last()), accessEntryOf))
	}
	return f, nil
}

// startSeq is where a feed starts: after the entry asked for, or after
// the newest (-1: none asked for).
func startSeq(asked int64, last uint64) uint64 {
	if asked < 0 {
		return last
	}
	return uint64(asked)
}

// parseLogCursors reads "error,access:12": each kind named once, with the
// sequence number to start after, or -1 when it has none.
func parseLogCursors(spec string) (map[string]int64, error) {
	out := map[string]int64{}
	if spec == "" {
		return out, nil
	}
	for part := range strings.SplitSeq(spec, ",") {
		kind, seqText, hasSeq := strings.Cut(strings.TrimSpace(part), ":")
		if kind != logError && kind != logAccess {
			return nil, fmt.Errorf("unknown log %q: want error or access", kind)
		}
		if _, dup := out[kind]; dup {
			return nil, fmt.Errorf("log %q named twice", kind)
		}
		out[kind] = -1
		if hasSeq {
			seq, err := strconv.ParseInt(seqText, 10, 64)
			if err != nil || seq < 0 {
				return nil, fmt.Errorf("bad sequence number %q for %s", seqText, kind)
			}
			out[kind] = seq
		}
	}
	return out, nil
}

// appendEvents appends the logs' new entries to buf as `log` events, and
// a comment line when nothing was sent for a while.
func (f *logFollower) appendEvents(buf *bytes.Buffer, now time.Time) {
	sent := false
	for _, feed := range f.feeds {
		missed, events := feed.read(feed.seq)
		if missed > 0 {
			feed.seq += missed
			gap, _ := json.Marshal(struct {
				Kind   string `json:"kind"`
				Missed uint64 `json:"missed"`
			}{feed.kind, missed})
			f.writeEvent(buf, gap)
			sent = true
		}
		for _, ev := range events {
			feed.seq = ev.seq
			f.writeEvent(buf, ev.data)
			sent = true
		}
	}
	if sent {
		f.lastSent = now
	} else if now.Sub(f.lastSent) >= logKeepAlive {
		f.lastSent = now
		buf.WriteString(":\n\n")
	}
}

// writeEvent writes a `log` event whose id holds every log's position, so
// that a reconnecting browser (Last-Event-ID) carries on where it was.
func (f *logFollower) writeEvent(buf *bytes.Buffer, data []byte) {
	buf.WriteString("event: log\nid: ")
	for i, feed := range f.feeds {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(feed.kind)
		buf.WriteByte(':')
		buf.WriteString(strconv.FormatUint(feed.seq, 10))
	}
	buf.WriteString("\ndata: ")
	buf.Write(data)
	buf.WriteString("\n\n")
}
