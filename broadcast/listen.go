package broadcast

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// corsHeaders let a web page's player read the stream and its icy-* headers.
const corsHeaders = "Access-Control-Allow-Origin: *\r\n" +
	"Access-Control-Allow-Headers: Icy-MetaData, Range\r\n" +
	"Access-Control-Expose-Headers: icy-br, icy-description, icy-genre, icy-metaint, icy-name, icy-pub, icy-url\r\n"

// noCacheHeaders keep proxies and browsers from caching a live stream.
const noCacheHeaders = "Cache-Control: no-cache, no-store\r\n" +
	"Pragma: no-cache\r\n" +
	"Expires: Mon, 26 Jul 1997 05:00:00 GMT\r\n"

// wantsMetadata reports whether the player asked for ICY metadata. Header
// names match case-insensitively; Winamp sends "Icy-MetaData:1".
func wantsMetadata(r *http.Request) bool {
	return strings.TrimSpace(r.Header.Get("Icy-MetaData")) == "1"
}

// statusLine is "HTTP/1.0 200 OK", or "ICY 200 OK" for the players
// configured to want it (browsers and Go clients reject it).
func (s *Server) statusLine(userAgent string) string {
	for _, a := range s.ICYStatusAgents {
		if a != "" && strings.Contains(userAgent, a) {
			return "ICY 200 OK"
		}
	}
	return "HTTP/1.0 200 OK"
}

// responseHeaders writes the status line and headers a player gets.
func (s *Server) responseHeaders(m *Mount, status string, metaint int, extra string) []byte {
	info := m.Info()
	if info == nil {
		info = &StreamInfo{ContentType: "audio/mpeg"}
	}
	var b strings.Builder
	b.WriteString(status + "\r\n")
	b.WriteString("Content-Type: " + info.ContentType + "\r\n")
	if info.Bitrate > 0 {
		b.WriteString("icy-br: " + strconv.Itoa(info.Bitrate) + "\r\n")
	}
	if info.SampleRate > 0 {
		b.WriteString("icy-sr: " + strconv.Itoa(info.SampleRate) + "\r\n")
	}
	b.WriteString("icy-name: " + info.Name + "\r\n")
	b.WriteString("icy-genre: " + info.Genre + "\r\n")
	b.WriteString("icy-url: " + info.URL + "\r\n")
	b.WriteString("icy-description: " + info.Description + "\r\n")
	if info.Public {
		b.WriteString("icy-pub: 1\r\n")
	} else {
		b.WriteString("icy-pub: 0\r\n")
	}
	if metaint > 0 {
		b.WriteString("icy-metaint: " + strconv.Itoa(metaint) + "\r\n")
	}
	b.WriteString("Server: " + s.ServerID + "\r\n")
	b.WriteString(noCacheHeaders)
	b.WriteString(corsHeaders)
	b.WriteString(extra)
	b.WriteString("Connection: close\r\n\r\n")
	return []byte(b.String())
}

// probeRange returns the last byte of a "bytes=0-N" probe (Safari and iOS
// send bytes=0-1 before they play), or -1 for anything else, including
// "bytes=0-" which is a plain play.
func probeRange(h string) int {
	rest, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=0-")
	if !ok || rest == "" {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n >= 64<<10 {
		return -1
	}
	return n
}

// handleListen serves a player on mount m.
func (s *Server) handleListen(w http.ResponseWriter, r *http.Request, m *Mount) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "Icy-MetaData, Range")
		w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	home := m
	if m = s.onAirFor(m); m == nil {
		http.Error(w, "mount not on air", http.StatusNotFound)
		return
	}
	if r.Method == http.MethodHead {
		s.writeRaw(w, r, http.StatusOK, s.responseHeaders(m, s.statusLine(r.UserAgent()), 0, ""))
		return
	}
	if last := probeRange(r.Header.Get("Range")); last >= 0 {
		s.serveProbe(w, r, m, last)
		return
	}
	if limit := s.maxListeners.Load(); limit > 0 && s.connections.Load() >= limit {
		s.stats.RefusedFull.Add(1)
		http.Error(w, "server full: too many listeners", http.StatusServiceUnavailable)
		return
	}
	if m.Settings.MaxListeners > 0 && int(m.connections.Load()) >= m.Settings.MaxListeners {
		s.stats.RefusedMountFull.Add(1)
		http.Error(w, "mount full: too many listeners on "+m.Path, http.StatusServiceUnavailable)
		return
	}
	kbps := listenerKbps(m)
	if !s.reserveBandwidth(kbps) {
		s.stats.RefusedBandwidth.Add(1)
		http.Error(w, "server full: bandwidth limit reached", http.StatusServiceUnavailable)
		return
	}
	booked := true // until the listener holds the booking, give it back on the way out
	defer func() {
		if booked {
			s.kbpsInUse.Add(-kbps)
		}
	}()
	metaint := 0
	if wantsMetadata(r) {
		metaint = m.Settings.Metaint
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot take over the connection", http.StatusInternalServerError)
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	raw := rawConn(conn) // the sniffing buffers are not needed to write
	l := &listener{
		id:          s.nextID.Add(1),
		conn:        writerConn(raw),
		closer:      keepSlot(r, raw),
		ip:          s.clientIP(r),
		userAgent:   r.UserAgent(),
		connectedAt: time.Now(),
		kick:        make(chan struct{}),
		move:        make(chan *Mount, 1),
		kbps:        kbps,
	}
	l.access = s.accessEntry(r, l.connectedAt)
	l.home.Store(home)
	l.countAt = l.connectedAt.Add(s.CountAfter)
	l.onCount = s.countListener
	l.cur = cursor{seq: m.burstStart(), metaint: metaint, metaLeft: metaint}
	if !s.attach(m, l, true) {
		n, _ := raw.Write([]byte("HTTP/1.0 404 Not Found\r\nConnection: close\r\n\r\n"))
		l.closer.Close()
		s.logAccess(l.access, http.StatusNotFound, int64(n))
		return
	}
	s.connections.Add(1)
	booked = false // stream gives it back when the listener leaves
	s.Logger.Debug("listener connected", "component", "broadcast", "mount", home.Path, "listener", l.id,
		"ip", l.ip, "agent", l.userAgent, "metadata", metaint > 0, "serving", m.Path)
	// Stream from a goroutine of our own and let the handler return: the
	// request, net/http's buffers and the sniffing reader are then garbage
	// instead of being held for hours by every listener. net/http forgets
	// hijacked connections, so Close waits for these itself.
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.stream(l, m, s.responseHeaders(m, s.statusLine(l.userAgent), metaint, ""))
	}()
}

// stream writes to the listener until it leaves, following it when it is
// moved, then takes it off the books.
func (s *Server) stream(l *listener, m *Mount, headers []byte) {
	prefix := headers
	var err error
	for {
		err = l.serve(m, prefix)
		prefix = nil
		to := l.moveTo
		if !errors.Is(err, errMoved) || to == m {
			break
		}
		// Moved (fallback, its return, or an admin): same connection, same
		// ICY counter, from the new mount's live edge.
		s.detach(m, l)
		l.cur = cursor{seq: to.head.Load(), metaint: l.cur.metaint, metaLeft: l.cur.metaLeft}
		if !s.attach(to, l, false) {
			err = ErrMountClosed
			break
		}
		s.Logger.Debug("listener moved", "component", "broadcast", "listener", l.id, "from", m.Path, "to", to.Path)
		m = to
	}
	l.closer.Close()
	switch {
	case errors.Is(err, errKicked):
		s.stats.Kicked.Add(1)
	case errors.Is(err, ErrListenerLapped) || isTimeout(err):
		s.stats.DroppedSlow.Add(1)
	}
	s.detach(m, l)
	s.connections.Add(-1)
	s.kbpsInUse.Add(-l.kbps)
	if l.counted.Load() {
		s.listening.Add(-1)
	}
	s.Logger.Debug("listener left", "component", "broadcast", "mount", m.Path, "listener", l.id, "err", err,
		"bytes", l.bytesSent.Load(), "seconds", int(time.Since(l.connectedAt).Seconds()))
	s.logAccess(l.access, http.StatusOK, l.bytesSent.Load())
}

// serveProbe answers a "Range: bytes=0-N" probe with the first N+1 bytes
// of the stream from a frame start, and does not count it as a listener.
func (s *Server) serveProbe(w http.ResponseWriter, r *http.Request, m *Mount, last int) {
	var data []byte
	if c := m.chunkAt(m.burstStart()); c != nil {
		data = c.data
	}
	if len(data) > last+1 {
		data = data[:last+1]
	}
	extra := "Content-Range: bytes 0-" + strconv.Itoa(len(data)-1) + "/*\r\n" +
		"Content-Length: " + strconv.Itoa(len(data)) + "\r\n"
	if len(data) == 0 {
		extra = "Content-Length: 0\r\n"
	}
	s.writeRaw(w, r, http.StatusPartialContent, append(s.responseHeaders(m, "HTTP/1.0 206 Partial Content", 0, extra), data...))
}

// writeRaw sends a pre-built response with the given status on the
// hijacked connection, and logs it.
func (s *Server) writeRaw(w http.ResponseWriter, r *http.Request, status int, b []byte) {
	e := s.accessEntry(r, time.Now())
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	n, _ := conn.Write(b)
	conn.Close()
	s.logAccess(e, status, int64(n))
}

// disconnect asks the listener's goroutine to stop.
func (l *listener) disconnect() {
	select {
	case <-l.kick:
	default:
		close(l.kick)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func clientIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}
