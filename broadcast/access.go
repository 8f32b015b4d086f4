package broadcast

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"onair/accesslog"
)

// AccessLogger receives one entry per finished request or connection;
// *accesslog.Log is one. Write is called on the serving path and must not
// block.
type AccessLogger interface {
	Write(accesslog.Entry)
}

// serveHTTP is the HTTP port's handler: route the request, then log it.
// A request whose handler took the connection over (a listener, a source,
// a raw answer) is logged by that handler when the connection ends.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	e := s.accessEntry(r, time.Now())
	if e == nil {
		s.route(w, r)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), accessEntryKey{}, e))
	aw := &accessWriter{ResponseWriter: w}
	if _, ok := w.(http.Hijacker); ok {
		s.route(hijackWriter{aw}, r)
	} else {
		// HTTP/2 cannot hijack: handlers must keep seeing that.
		s.route(aw, r)
	}
	if aw.hijacked {
		return
	}
	s.logAccess(e, aw.statusOr200(), aw.bytes)
}

// accessEntry starts the access-log entry of r, or returns nil when the
// access log is off.
func (s *Server) accessEntry(r *http.Request, start time.Time) *accesslog.Entry {
	if s.opts.AccessLog == nil {
		return nil
	}
	user, _, _ := r.BasicAuth()
	return &accesslog.Entry{
		IP:        s.clientIP(r),
		User:      user,
		Method:    r.Method,
		URI:       redactQuery(r.RequestURI),
		Proto:     r.Proto,
		Referer:   r.Referer(),
		UserAgent: r.UserAgent(),
		Start:     start,
	}
}

// accessEntryKey finds a request's access-log entry in its context.
type accessEntryKey struct{}

// SetAccessUser names user in the access log's entry for r, for handlers
// that learn who is asking from the body (the console's login form)
// rather than from HTTP Basic. It does nothing when the access log is
// off. Call it from the handler's own goroutine.
func SetAccessUser(r *http.Request, user string) {
	if e, ok := r.Context().Value(accessEntryKey{}).(*accesslog.Entry); ok {
		e.User = cutText(user, 64) // the longest username an account may have
	}
}

// sourceEntry starts the entry of a source that logs in without HTTP:
// SHOUTcast v1 (proto "ICY") or Icecast 1 ("ICE/1.0"), both logged as
// SOURCE of their mount.
func sourceEntry(c net.Conn, proto, mount string) accesslog.Entry {
	return accesslog.Entry{
		IP:     clientIP(c.RemoteAddr().String()),
		Method: "SOURCE",
		URI:    mount,
		Proto:  proto,
		Start:  time.Now(),
	}
}

// rawEntry starts the entry of a connection refused before net/http read
// it, from head, the first bytes the client sent (a whole request, or
// only the start of its first line). An HTTP request is logged as sent;
// a SHOUTcast v1 or Icecast 1 login as SOURCE of its mount, since its
// line holds the password; anything else (a TLS handshake) as "-".
func (s *Server) rawEntry(c net.Conn, port portKind, head []byte, start time.Time) accesslog.Entry {
	e := accesslog.Entry{IP: clientIP(c.RemoteAddr().String()), Start: start}
	line, rest, whole := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	switch {
	case port == portTLS || len(line) == 0:
		return e
	case port == portShoutcast:
		e.Method, e.URI, e.Proto = "SOURCE", s.shoutcastMount(parseShoutcastLogin(string(line)).sid), "ICY"
		return e
	case !whole:
		// The start of a line too long to read: its method and the start
		// of its target, when it looks like HTTP.
		method, target, _ := strings.Cut(string(line), " ")
		if isToken(method) && strings.HasPrefix(target, "/") {
			target, _, _ = strings.Cut(target, " ")
			e.Method, e.URI = method, redactQuery(cutText(target, 200))+"…"
		}
		return e
	}
	kind, fixed := classifyFirstLine(line)
	switch kind {
	case lineHTTP:
		req, err := http.ReadRequest(bufio.NewReader(io.MultiReader(strings.NewReader(fixed+"\r\n"), bytes.NewReader(rest))))
		if err == nil {
			e.User, _, _ = req.BasicAuth()
			e.Method, e.URI, e.Proto = req.Method, redactQuery(req.RequestURI), req.Proto
			e.Referer, e.UserAgent = req.Referer(), req.UserAgent()
			return e
		}
		// Headers cut short: the request line alone.
		method, after, _ := strings.Cut(fixed, " ")
		i := strings.LastIndexByte(after, ' ')
		e.Method, e.URI, e.Proto = method, redactQuery(after[:i]), after[i+1:]
	case lineIcecast1:
		f := strings.Fields(fixed)
		e.Method, e.URI, e.Proto = "SOURCE", f[len(f)-1], "ICE/1.0"
	case lineShoutcast:
		e.Method, e.URI, e.Proto = "SOURCE", s.shoutcastMount(parseShoutcastLogin(fixed).sid), "ICY"
	}
	return e
}

// cutText returns at most n bytes of v, not splitting a UTF-8 sequence.
func cutText(v string, n int) string {
	if len(v) <= n {
		return v
	}
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n]
}

// logAccess completes e with the status answered, the bytes sent or
// received and the time since e.Start, and logs it. A nil e (the log is
// off) is ignored.
func (s *Server) logAccess(e *accesslog.Entry, status int, bytes int64) {
	if e == nil || s.opts.AccessLog == nil {
		return
	}
	e.Status, e.Bytes, e.Duration = status, bytes, time.Since(e.Start)
	s.opts.AccessLog.Write(*e)
}

// redactQuery hides the values of pass= and password= in a request
// target: SHOUTcast's admin.cgi carries the password in its query, and the
// access log is no place for it.
func redactQuery(uri string) string {
	path, query, ok := strings.Cut(uri, "?")
	if !ok || !strings.Contains(strings.ToLower(query), "pass") {
		return uri
	}
	params := strings.Split(query, "&")
	for i, p := range params {
		k, _, _ := strings.Cut(p, "=")
		if strings.EqualFold(k, "pass") || strings.EqualFold(k, "password") {
			params[i] = k + "=***"
		}
	}
	return path + "?" + strings.Join(params, "&")
}

// accessWriter records the status and body size of a response.
type accessWriter struct {
	http.ResponseWriter
	status   int
	bytes    int64
	hijacked bool
}

func (w *accessWriter) WriteHeader(code int) {
	// 1xx answers (100 Continue) come before the final one.
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *accessWriter) Write(b []byte) (int, error) {
	w.statusOr200()
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps io.Copy on the response as fast as without the wrapper
// (net/http's writer uses sendfile for files).
func (w *accessWriter) ReadFrom(r io.Reader) (int64, error) {
	w.statusOr200()
	n, err := io.Copy(w.ResponseWriter, r)
	w.bytes += n
	return n, err
}

// Flush implements http.Flusher, for Server-Sent Events.
func (w *accessWriter) Flush() {
	w.statusOr200()
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *accessWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusOr200 is the status answered: net/http sends 200 when a handler
// writes without WriteHeader, or writes nothing at all.
func (w *accessWriter) statusOr200() int {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.status
}

// hijackWriter is an accessWriter over a connection that can be taken
// over, as listeners and sources need.
type hijackWriter struct{ *accessWriter }

func (w hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := w.ResponseWriter.(http.Hijacker).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, brw, err
}

// countingReader counts the bytes a source sent.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
