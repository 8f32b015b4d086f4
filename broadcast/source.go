package broadcast

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"onair/codec/frames"
	"onair/icy"
)

// sourceConn is the client currently pushing to a mount.
type sourceConn struct {
	conn        net.Conn
	protocol    string // "icecast" or "shoutcast"
	user        string
	remote      string
	userAgent   string
	connectedAt time.Time
}

// framing is how a source's stream is cut for listeners: into frames of
// an MPEG or ADTS codec, or into Ogg pages (frames is 0).
type framing struct {
	frames frames.Codec
	ogg    bool
}

// codecFor maps a source's Content-Type to the framing the mount uses, and
// the type listeners are told.
func codecFor(contentType string) (framing, string, error) {
	ct := strings.ToLower(strings.TrimSpace(contentType))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch ct {
	case "", "audio/mpeg", "audio/mp3", "audio/mpeg3", "audio/x-mpeg", "audio/mpg":
		return framing{frames: frames.MP3}, "audio/mpeg", nil
	case "audio/aac", "audio/aacp", "audio/x-aac", "audio/aac-adts":
		return framing{frames: frames.ADTS}, ct, nil
	case "application/ogg", "audio/ogg", "audio/x-ogg", "application/x-ogg":
		return framing{ogg: true}, ct, nil
	case "audio/opus", "audio/vorbis", "audio/flac", "audio/x-flac":
		// Ogg-wrapped codecs under their own names (ffmpeg's Opus): a
		// player is told the container, which is what it must read.
		return framing{ogg: true}, "audio/ogg", nil
	}
	return framing{}, "", fmt.Errorf("%w %q: OnAir relays MP3 (audio/mpeg), AAC (audio/aac, audio/aacp) and Ogg Vorbis, Opus and FLAC (application/ogg, audio/ogg)", ErrUnsupportedType, ct)
}

// isOgg reports an Ogg stream's Content-Type.
func isOgg(ct string) bool {
	f, _, err := codecFor(ct)
	return err == nil && f.ogg
}

// validMountPath reports whether p may name a mount a source creates.
func validMountPath(p string) bool {
	if len(p) < 2 || len(p) > 255 || p[0] != '/' || strings.Contains(p, "..") || strings.Contains(p, "//") {
		return false
	}
	for _, r := range p {
		if r <= ' ' || r == 0x7f || r == '?' || r == '#' || r == '%' || r == '\\' {
			return false
		}
	}
	switch {
	case p == "/admin.cgi", p == "/admin", strings.HasPrefix(p, "/admin/"), p == "/api", strings.HasPrefix(p, "/api/"),
		p == "/status-json.xsl", p == "/7.html", p == "/stats", p == "/played.html", p == "/currentsong",
		p == "/metrics", p == "/console", strings.HasPrefix(p, "/console/"), p == "/;", p == "/;stream.mp3",
		// HLS: a mount's playlist and the segments under /hls/.
		strings.HasSuffix(p, ".m3u8"), p == "/hls", strings.HasPrefix(p, "/hls/"):
		return false
	}
	return true
}

// infoFromHeaders reads the ice-*/icy-* headers a source sent.
func infoFromHeaders(get func(string) string, contentType, userAgent string) StreamInfo {
	pick := func(names ...string) string {
		for _, n := range names {
			if v := get(n); v != "" {
				return headerText(v)
			}
		}
		return ""
	}
	info := StreamInfo{
		ContentType: contentType,
		Name:        pick("ice-name", "icy-name", "x-audiocast-name"),
		Genre:       pick("ice-genre", "icy-genre", "x-audiocast-genre"),
		URL:         pick("ice-url", "icy-url", "x-audiocast-url"),
		Description: pick("ice-description", "icy-description", "x-audiocast-description"),
		AudioInfo:   pick("ice-audio-info"),
		UserAgent:   headerText(userAgent),
	}
	pub := pick("ice-public", "icy-pub", "x-audiocast-public")
	info.Public = pub == "1" || strings.EqualFold(pub, "true") || strings.EqualFold(pub, "yes")
	info.Bitrate, _ = strconv.Atoi(pick("ice-bitrate", "icy-br", "x-audiocast-bitrate"))
	for _, kv := range strings.Split(info.AudioInfo, ";") {
		k, v, _ := strings.Cut(kv, "=")
		n, _ := strconv.Atoi(strings.TrimSpace(v))
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "bitrate", "ice-bitrate":
			if info.Bitrate == 0 {
				info.Bitrate = n
			}
		case "samplerate", "ice-samplerate":
			info.SampleRate = n
		case "channels", "ice-channels":
			info.Channels = n
		}
	}
	return info
}

// headerText makes a source-supplied value safe to repeat in listeners'
// headers: UTF-8, no control characters (no header injection), bounded.
func headerText(v string) string {
	v = icy.CleanTitle(icy.DecodeText([]byte(v)))
	if len(v) > 256 {
		cut := 256
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		v = v[:cut]
	}
	return v
}

// handleSource serves Icecast SOURCE and PUT requests.
func (s *Server) handleSource(w http.ResponseWriter, r *http.Request) {
	log := s.opts.Logger.With("component", "broadcast", "mount", r.URL.Path, "remote", r.RemoteAddr)
	w.Header().Set("Connection", "close")
	path := r.URL.Path
	user, pass, ok := r.BasicAuth()
	if !ok {
		// libshout probes without credentials first and wants this 401.
		w.Header().Set("WWW-Authenticate", `Basic realm="Icecast2 Server"`)
		http.Error(w, "invalid password", http.StatusUnauthorized)
		return
	}
	client := s.ClientAddr(r)
	switch res, wait, why := s.checkLogin(DoorSource, client, func() error { return s.opts.Auth.SourceOK(r.Context(), path, user, pass) }); res {
	case loginThrottled:
		s.stats.SourcesRefused.Add(1)
		refuseThrottled(w, wait)
		return
	case loginWrong:
		w.Header().Set("WWW-Authenticate", `Basic realm="Icecast2 Server"`)
		http.Error(w, "invalid password", http.StatusUnauthorized)
		s.stats.SourcesRefused.Add(1)
		log.Warn("source refused: bad password", "user", user, "client", client.String(), "reason", why, "retry_in", wait)
		return
	}
	if !validMountPath(path) {
		http.Error(w, "invalid mountpoint", http.StatusBadRequest)
		return
	}
	m, err := s.mountForSource(path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		s.stats.SourcesRefused.Add(1)
		log.Warn("source refused", "err", err)
		return
	}
	codec, ctype, err := s.sourceCodec(m, r.Header.Get("Content-Type"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnsupportedMediaType)
		s.stats.SourcesRefused.Add(1)
		log.Warn("source refused", "err", err)
		s.removeIfIdle(m)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "cannot take over the connection", http.StatusInternalServerError)
		return
	}
	sc := &sourceConn{protocol: "icecast", user: user, remote: s.clientIP(r), userAgent: r.UserAgent(), connectedAt: time.Now()}
	if err := m.claim(sc); err != nil {
		http.Error(w, "Mountpoint in use", http.StatusForbidden)
		s.stats.SourcesRefused.Add(1)
		log.Warn("source refused: mount busy")
		s.removeIfIdle(m)
		return
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		s.release(m, sc)
		return
	}
	// net/http forgets hijacked connections: Close waits for them here.
	s.wg.Add(1)
	defer s.wg.Done()
	acc, received := s.accessEntry(r, sc.connectedAt), int64(0)
	defer func() { s.logAccess(acc, http.StatusOK, received) }()
	defer conn.Close()
	m.mu.Lock()
	sc.conn = conn // under the lock: Close may be reading it
	m.mu.Unlock()
	var reply string
	if strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// Liquidsoap and ffmpeg wait for this before they send audio.
		reply = "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n"
	}
	reply += "HTTP/1.0 200 OK\r\nServer: " + s.opts.ServerID + "\r\n\r\n"
	if _, err := conn.Write([]byte(reply)); err != nil {
		s.release(m, sc)
		return
	}
	var body io.Reader = brw.Reader
	switch {
	case len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked":
		body = httputil.NewChunkedReader(brw.Reader)
	case r.ContentLength > 0:
		body = io.LimitReader(brw.Reader, r.ContentLength)
	}
	info := infoFromHeaders(r.Header.Get, ctype, r.UserAgent())
	received, _ = s.runSource(m, sc, conn, body, codec, info, log)
}

// readDeadliner is what a source's reads are timed by: its connection,
// or a pull relay's watchdog over a response body.
type readDeadliner interface {
	SetReadDeadline(t time.Time) error
}

// runSource pumps a source's audio into its mount until it ends, and
// returns how many bytes it received and why it ended (nil: the end of
// the stream).
func (s *Server) runSource(m *Mount, sc *sourceConn, conn readDeadliner, body io.Reader, codec framing, info StreamInfo, log interface {
	Info(string, ...any)
}) (int64, error) {
	m.SetInfo(info)
	log.Info("source connected", "protocol", sc.protocol, "user", sc.user, "agent", sc.userAgent, "type", info.ContentType)
	s.takeBackOnAudio(m)
	cr := &countingReader{r: body}
	var err error
	switch {
	case m.Settings().Input:
		err = s.feedInput(m, conn, cr, info)
	case codec.ogg:
		err = s.pumpOgg(m, conn, cr, info, log)
	default:
		err = s.pump(m, conn, cr, codec.frames, info)
	}
	m.Flush(time.Now())
	s.release(m, sc)
	log.Info("source disconnected", "err", err, "bytes", m.bytesIn.Load())
	return cr.n, err
}

// pump reads a source until it ends, splitting its bytes into frames. A
// read that waits longer than the source timeout ends the source.
func (s *Server) pump(m *Mount, conn readDeadliner, body io.Reader, codec frames.Codec, info StreamInfo) error {
	buf := make([]byte, 16<<10)
	sp := frames.NewSplitter(codec, 0)
	now := time.Now()
	started := false
	emit := func(f []byte) {
		if !started {
			// The session's first frame: its format, and what the source
			// did not say about its stream, are known before any listener
			// can get it.
			started = true
			s.describe(m, info, sp.Info())
			m.setFormat(formatOf(sp.Info()))
		}
		m.WriteFrame(f, now)
	}
	for {
		if err := conn.SetReadDeadline(time.Now().Add(s.opts.SourceTimeout)); err != nil {
			return err
		}
		n, err := body.Read(buf)
		if n > 0 {
			now = time.Now()
			sp.Split(buf[:n], emit)
		}
		if err != nil {
			sp.Flush(emit)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return ErrSourceIdle
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// describe fills in what the source did not say from its frames.
func (s *Server) describe(m *Mount, info StreamInfo, st frames.StreamInfo) {
	if info.Bitrate == 0 {
		info.Bitrate = st.Bitrate
	}
	if info.SampleRate == 0 {
		info.SampleRate = st.SampleRate
	}
	if info.Channels == 0 {
		info.Channels = st.Channels
	}
	m.SetInfo(info)
}

// shoutcastLogin is a parsed SHOUTcast v1 password line.
type shoutcastLogin struct {
	pass string // "dj:pass" too: the authenticator splits it
	sid  int
}

// parseShoutcastLogin reads "pass", "dj:pass", "pass:#sid" or
// "dj:pass:#sid". Which colon splits dj from pass is settled by the
// authenticator, since a password may hold colons itself.
func parseShoutcastLogin(line string) shoutcastLogin {
	line = strings.TrimRight(line, "\r\n")
	l := shoutcastLogin{pass: line, sid: 1}
	if i := strings.LastIndex(line, ":#"); i >= 0 {
		if n, err := strconv.Atoi(line[i+2:]); err == nil && n > 0 {
			l.sid = n
			l.pass = line[:i]
		}
	}
	return l
}

// shoutcastMount maps a SHOUTcast stream id to a mount: 1 is
// shoutcast_mount, 2 and on are the configured mounts in order.
func (s *Server) shoutcastMount(sid int) string {
	if sid <= 1 {
		return s.opts.ShoutcastMount
	}
	n := 1
	for _, mc := range *s.configured.Load() {
		if mc.Path == s.opts.ShoutcastMount || mc.Settings.Station {
			continue
		}
		n++
		if n == sid {
			return mc.Path
		}
	}
	return ""
}

// shoutcastProbe is the password libshout sends to see whether a server
// speaks SHOUTcast v1; it expects "invalid password".
const shoutcastProbe = "!POKE"

// shoutcastAuth checks a v1 password, trying the whole line as the
// password first and then "dj:pass"; refused, it says why the whole line
// was.
func (s *Server) shoutcastAuth(ctx context.Context, mount, secret string) (dj string, err error) {
	if secret == shoutcastProbe {
		return "", errProbe
	}
	err = s.opts.Auth.SourceOK(ctx, mount, "", secret)
	if err == nil {
		return "", nil
	}
	if d, p, found := strings.Cut(secret, ":"); found && s.opts.Auth.SourceOK(ctx, mount, d, p) == nil {
		return d, nil
	}
	return "", err
}

// serveShoutcastSource speaks SHOUTcast v1 as the Winamp DSP does: a
// password line, "OK2", icy-* header lines up to a blank one, then audio.
func (s *Server) serveShoutcastSource(c net.Conn, br *bufio.Reader, line string) {
	defer c.Close()
	login := parseShoutcastLogin(line)
	path := s.shoutcastMount(login.sid)
	log := s.opts.Logger.With("component", "broadcast", "mount", path, "remote", c.RemoteAddr().String())
	// Logged as Icecast would log the HTTP equivalent of each answer.
	acc, status, received := sourceEntry(c, "ICY", path), http.StatusUnauthorized, int64(0)
	defer func() { s.logAccess(&acc, status, received) }()
	if login.pass == shoutcastProbe {
		_, _ = c.Write([]byte("invalid password\r\n")) // what the probe expects; not a guess
		return
	}
	var dj string
	client := remoteAddr(c)
	res, wait, why := s.checkLogin(DoorSource, client, func() error {
		var err error
		dj, err = s.shoutcastAuth(s.ctx, path, login.pass)
		return err
	})
	switch {
	case res == loginThrottled:
		// No HTTP to say 429 in: the connection closes, unanswered.
		status = http.StatusTooManyRequests
		s.stats.SourcesRefused.Add(1)
		return
	case res == loginWrong || path == "":
		_, _ = c.Write([]byte("invalid password\r\n"))
		s.stats.SourcesRefused.Add(1)
		log.Warn("shoutcast source refused: bad password", "sid", login.sid, "client", client.String(), "reason", why, "retry_in", wait)
		return
	}
	acc.User, status = dj, http.StatusForbidden
	m, err := s.mountForSource(path)
	if err != nil {
		_, _ = c.Write([]byte(err.Error() + "\r\n"))
		s.stats.SourcesRefused.Add(1)
		log.Warn("shoutcast source refused", "err", err)
		return
	}
	sc := &sourceConn{conn: c, protocol: "shoutcast", user: dj, remote: c.RemoteAddr().String(), connectedAt: time.Now()}
	if err := m.claim(sc); err != nil {
		_, _ = c.Write([]byte("Stream In Use\r\n"))
		s.stats.SourcesRefused.Add(1)
		log.Warn("shoutcast source refused: mount busy")
		s.removeIfIdle(m)
		return
	}
	status = http.StatusOK
	if _, err := c.Write([]byte("OK2\r\nicy-caps:11\r\n\r\n")); err != nil {
		s.release(m, sc)
		return
	}
	hdr, err := readShoutcastHeaders(br)
	if err != nil {
		status = http.StatusBadRequest
		log.Warn("shoutcast source: bad headers", "err", err)
		s.release(m, sc)
		return
	}
	get := func(k string) string { return hdr[k] }
	sc.userAgent = hdr["user-agent"]
	acc.UserAgent = sc.userAgent
	codec, ctype, err := s.sourceCodec(m, hdr["content-type"])
	if err != nil {
		status = http.StatusUnsupportedMediaType
		s.stats.SourcesRefused.Add(1)
		log.Warn("shoutcast source refused", "err", err)
		s.release(m, sc)
		return
	}
	received, _ = s.runSource(m, sc, c, br, codec, infoFromHeaders(get, ctype, sc.userAgent), log)
}

// readShoutcastHeaders reads "name:value" lines (LF or CRLF) up to a blank
// line; names are lower-cased.
func readShoutcastHeaders(br *bufio.Reader) (map[string]string, error) {
	h := map[string]string{}
	total := 0
	for range 100 {
		line, err := br.ReadSlice('\n')
		total += len(line)
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return nil, ErrHandshakeTooLong
			}
			return nil, err
		}
		if total > maxRequestLine {
			return nil, ErrHandshakeTooLong
		}
		l := strings.TrimRight(string(line), "\r\n")
		if l == "" {
			return h, nil
		}
		k, v, _ := strings.Cut(l, ":")
		h[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return nil, ErrHandshakeTooLong
}

// serveIcecast1Source speaks Icecast 1's source login (darkice's
// [icecast-x] output, for Icecast 1.3 and Darwin Streaming Server):
// "SOURCE password /mount", x-audiocast-* lines up to a blank one, "OK",
// then MP3.
func (s *Server) serveIcecast1Source(c net.Conn, br *bufio.Reader, line string) {
	defer c.Close()
	f := strings.Fields(line)
	pass, path := f[1], f[len(f)-1]
	log := s.opts.Logger.With("component", "broadcast", "mount", path, "remote", c.RemoteAddr().String())
	acc, status, received := sourceEntry(c, "ICE/1.0", path), http.StatusUnauthorized, int64(0)
	acc.User = "source"
	defer func() { s.logAccess(&acc, status, received) }()
	client := remoteAddr(c)
	res, wait, why := s.checkLogin(DoorSource, client, func() error { return s.opts.Auth.SourceOK(s.ctx, path, "source", pass) })
	if res == loginThrottled {
		// No HTTP to say 429 in: the connection closes, unanswered.
		status = http.StatusTooManyRequests
		s.stats.SourcesRefused.Add(1)
		return
	}
	hdr, err := readShoutcastHeaders(br)
	acc.UserAgent = hdr["user-agent"]
	if res == loginWrong {
		// Answered after the headers are read, so that the client is
		// reading, not writing, when the refusal comes.
		_, _ = c.Write([]byte("ERROR - Bad Password\r\n"))
		s.stats.SourcesRefused.Add(1)
		log.Warn("icecast 1 source refused: bad password", "client", client.String(), "reason", why, "retry_in", wait)
		return
	}
	if err != nil {
		status = http.StatusBadRequest
		log.Warn("icecast 1 source: bad headers", "err", err)
		return
	}
	var m *Mount
	if validMountPath(path) {
		m, err = s.mountForSource(path)
	} else {
		err = ErrNoMount
	}
	sc := &sourceConn{conn: c, protocol: "icecast1", user: "source", remote: c.RemoteAddr().String(),
		userAgent: hdr["user-agent"], connectedAt: time.Now()}
	if err == nil {
		if err = m.claim(sc); err != nil {
			s.removeIfIdle(m)
		}
	}
	status = http.StatusForbidden
	if err != nil {
		_, _ = c.Write([]byte("ERROR - Mount Point Taken or Invalid\r\n"))
		s.stats.SourcesRefused.Add(1)
		log.Warn("icecast 1 source refused", "err", err)
		return
	}
	status = http.StatusOK
	if _, err := c.Write([]byte("OK\r\n\r\n")); err != nil {
		s.release(m, sc)
		return
	}
	codec, ctype, err := s.sourceCodec(m, hdr["content-type"])
	if err != nil {
		status = http.StatusUnsupportedMediaType
		s.stats.SourcesRefused.Add(1)
		log.Warn("icecast 1 source refused", "err", err)
		s.release(m, sc)
		return
	}
	received, _ = s.runSource(m, sc, c, br, codec, infoFromHeaders(func(k string) string { return hdr[k] }, ctype, sc.userAgent), log)
}
