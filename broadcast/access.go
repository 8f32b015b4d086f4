package broadcast

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

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
	if s.AccessLog == nil {
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

// logAccess completes e with the status answered, the bytes sent or
// received and the time since e.Start, and logs it. A nil e (the log is
// off) is ignored.
func (s *Server) logAccess(e *accesslog.Entry, status int, bytes int64) {
	if e == nil || s.AccessLog == nil {
		return
	}
	e.Status, e.Bytes, e.Duration = status, bytes, time.Since(e.Start)
	s.AccessLog.Write(*e)
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
