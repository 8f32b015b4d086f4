package broadcast

import (
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
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
	for _, a := range s.opts.ICYStatusAgents {
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
	// One buffer, sized for the usual headers: a listener's connection
	// should leave little behind.
	b := make([]byte, 0, 768)
	b = append(b, status...)
	b = append(b, "\r\nContent-Type: "...)
	b = append(b, info.ContentType...)
	b = append(b, "\r\n"...)
	if info.Bitrate > 0 {
		b = append(b, "icy-br: "...)
		b = strconv.AppendInt(b, int64(info.Bitrate), 10)
		b = append(b, "\r\n"...)
	}
	if info.SampleRate > 0 {
		b = append(b, "icy-sr: "...)
		b = strconv.AppendInt(b, int64(info.SampleRate), 10)
		b = append(b, "\r\n"...)
	}
	for _, h := range [...][2]string{{"icy-name: ", info.Name}, {"icy-genre: ", info.Genre}, {"icy-url: ", info.URL}, {"icy-description: ", info.Description}} {
		b = append(b, h[0]...)
		b = append(b, h[1]...)
		b = append(b, "\r\n"...)
	}
	if info.Public {
		b = append(b, "icy-pub: 1\r\n"...)
	} else {
		b = append(b, "icy-pub: 0\r\n"...)
	}
	if metaint > 0 {
		b = append(b, "icy-metaint: "...)
		b = strconv.AppendInt(b, int64(metaint), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "Server: "...)
	b = append(b, s.opts.ServerID...)
	b = append(b, "\r\n"...)
	b = append(b, noCacheHeaders...)
	b = append(b, corsHeaders...)
	b = append(b, extra...)
	b = append(b, "Connection: close\r\n\r\n"...)
	return b
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
	s.demand(r.Context(), m)
	if m = s.onAirFor(m); m == nil {
		http.Error(w, "mount not on air", http.StatusNotFound)
		return
	}
	relay, ok := s.relayPull(w, r)
	if !ok {
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
	// A relay feeds listeners elsewhere: the listener limits are for
	// the listeners here.
	if limit := s.maxListeners.Load(); !relay && limit > 0 && s.connections.Load() >= limit {
		s.stats.RefusedFull.Add(1)
		http.Error(w, "server full: too many listeners", http.StatusServiceUnavailable)
		return
	}
	if !relay && m.Settings().MaxListeners > 0 && int(m.connections.Load()) >= m.Settings().MaxListeners {
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
	if wantsMetadata(r) && !m.carriesOgg() {
		// Ogg carries its titles in its own comments: ICY blocks would
		// break its pages.
		metaint = m.Settings().Metaint
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot take over the connection", http.StatusInternalServerError)
		return
	}
	// A source that has just connected has described its stream once its
	// first frames are in: wait for them, so the listener's headers (and
	// the listener lists) carry its bitrate and rate.
	m.waitForAudio(firstAudioWait)
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if relay {
		freeSlot(r, conn)
	}
	raw := writerConn(rawConn(conn)) // the sniffing buffers are not needed to write
	l := &listener{
		relay:       relay,
		id:          s.nextID.Add(1),
		conn:        raw,
		raw:         rawConnOf(raw),
		closer:      keepSlot(r, rawConn(conn)),
		ip:          s.clientIP(r),
		userAgent:   r.UserAgent(),
		connectedAt: time.Now(),
		kbps:        kbps,
		mount:       m,
		cur:         cursor{seq: m.burstStart(), metaint: metaint, metaLeft: metaint, joining: true},
	}
	l.access = s.accessEntry(r, l.connectedAt)
	l.home.Store(home)
	l.countAt = l.connectedAt.Add(s.opts.CountAfter)
	l.w = s.pool.assign(l)
	if !s.attach(m, l, true) {
		l.w.load.Add(-1)
		n, _ := raw.Write([]byte("HTTP/1.0 404 Not Found\r\nConnection: close\r\n\r\n"))
		_ = l.closer.Close() // a refused listener: nothing more to say to it
		s.logAccess(l.access, http.StatusNotFound, int64(n))
		return
	}
	if !relay {
		s.connections.Add(1)
	}
	booked = false // leave gives it back when the listener goes
	s.opts.Logger.Debug("listener connected", "component", "broadcast", "mount", home.Path, "listener", l.id,
		"ip", l.ip, "agent", l.userAgent, "metadata", metaint > 0, "serving", m.Path, "relay", relay)
	// The headers and the burst go out now, from this goroutine, so the
	// player starts at once; from then on the listener's writer serves it.
	// net/http forgets hijacked connections, so Close waits for this.
	s.wg.Add(1)
	defer s.wg.Done()
	if err := s.writeFirst(l, s.responseHeaders(m, s.statusLine(l.userAgent), metaint, "")); err != nil {
		l.w.load.Add(-1)
		s.leave(l, err)
		return
	}
	if !s.pool.add(l) {
		l.w.load.Add(-1)
		s.leave(l, ErrMountClosed)
	}
}

// firstAudioWait bounds how long a listener waits for a source that has
// just connected to send its first frames.
const firstAudioWait = 2 * time.Second

// scratches are the buffers connecting listeners compose their bursts in.
var scratches = sync.Pool{New: func() any { return new(scratch) }}

// writeFirst sends a new listener its headers and its burst, waiting for
// the socket as long as the write timeout allows.
func (s *Server) writeFirst(l *listener, headers []byte) error {
	if err := l.conn.SetWriteDeadline(time.Now().Add(l.mount.Settings().WriteTimeout)); err != nil {
		return err
	}
	n, err := l.conn.Write(headers)
	l.bytesSent.Add(int64(n))
	if err != nil {
		return err
	}
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	// Counted (when it counts at once) before its audio goes out: whoever
	// sees the audio arrive then sees the listener too.
	now := time.Now()
	s.countIfDue(l, now)
	if _, err = sc.flush(l, math.MaxUint64, now, true); err != nil {
		return err
	}
	if l.raw != nil {
		// Non-blocking writes from here on: a deadline left in force
		// would fail them once it passed.
		return l.conn.SetWriteDeadline(time.Time{})
	}
	return nil
}

// countIfDue counts l as a listener once it has stayed long enough.
func (s *Server) countIfDue(l *listener, now time.Time) {
	if !l.relay && !l.counted.Load() && !now.Before(l.countAt) {
		l.counted.Store(true)
		s.countListener(l.mount)
	}
}

// leave takes a listener that is done off the books and closes it.
func (s *Server) leave(l *listener, err error) {
	_ = l.closer.Close() // the listener is done; err says why
	switch {
	case errors.Is(err, errKicked):
		s.stats.Kicked.Add(1)
	case errors.Is(err, ErrListenerLapped) || errors.Is(err, errStalled) || isTimeout(err):
		s.stats.DroppedSlow.Add(1)
	}
	s.detach(l.mount, l)
	if !l.relay {
		s.connections.Add(-1)
	}
	s.kbpsInUse.Add(-l.kbps)
	if l.counted.Load() {
		s.listening.Add(-1)
	}
	s.opts.Logger.Debug("listener left", "component", "broadcast", "mount", l.mount.Path, "listener", l.id, "err", err,
		"bytes", l.bytesSent.Load(), "seconds", int(time.Since(l.connectedAt).Seconds()))
	s.logAccess(l.access, http.StatusOK, l.bytesSent.Load())
}

// serveProbe answers a "Range: bytes=0-N" probe with the first N+1 bytes
// of the stream from a frame start, and does not count it as a listener.
func (s *Server) serveProbe(w http.ResponseWriter, r *http.Request, m *Mount, last int) {
	var data []byte
	if c, _ := m.startable(m.burstStart()); c != nil {
		data = append(c.lead[:len(c.lead):len(c.lead)], c.data...) // an Ogg chain's headers first
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

func clientIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}
