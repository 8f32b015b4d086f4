package broadcast

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"onair/icy"
)

// queryText returns a query value as UTF-8: valid UTF-8 as is, anything
// else decoded as Windows-1252 (the Winamp DSP sends the ANSI code page),
// or as Latin-1/1252 when charset names it.
func queryText(q url.Values, key string) string {
	v := q.Get(key)
	cs := strings.ToLower(q.Get("charset"))
	if cs != "" && cs != "utf-8" && cs != "utf8" {
		return decodeLegacy(v)
	}
	return icy.DecodeText([]byte(v))
}

// decodeLegacy reads every byte of v as Windows-1252, even where the bytes
// would also pass as UTF-8.
func decodeLegacy(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		b.WriteString(icy.DecodeText([]byte{v[i]}))
	}
	return b.String()
}

// songFrom builds the title an update carries: song=, or artist - title.
func songFrom(q url.Values) string {
	if q.Has("song") {
		return queryText(q, "song")
	}
	artist, title := queryText(q, "artist"), queryText(q, "title")
	switch {
	case artist != "" && title != "":
		return artist + " - " + title
	case title != "":
		return title
	}
	return artist
}

// handleMetadata is Icecast's /admin/metadata?mount=&mode=updinfo&song=.
// The mount's source credentials or the admin's are accepted.
func (s *Server) handleMetadata(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	path := q.Get("mount")
	if !s.adminLogin(w, r, DoorAdmin, `Basic realm="Icecast2 Server"`, func(ctx context.Context, u, p string) error {
		return eitherOK(
			func() error { return s.opts.Auth.SourceOK(ctx, path, u, p) },
			func() error { return s.opts.Auth.AdminOK(ctx, u, p) })
	}) {
		return
	}
	if mode := q.Get("mode"); mode != "updinfo" {
		icecastXML(w, http.StatusBadRequest, "unsupported mode", 0)
		return
	}
	m := s.Mount(path)
	if m == nil {
		icecastXML(w, http.StatusBadRequest, "Source does not exist", 0)
		return
	}
	m.SetTitle(songFrom(q), queryText(q, "url"), time.Now())
	s.opts.Logger.Info("title updated", "component", "broadcast", "mount", path, "title", m.Title().Title)
	if m.carriesOgg() {
		// Players of an Ogg stream read titles from its chains' comment
		// headers, which the source writes; the server does not rewrite
		// the stream.
		icecastXML(w, http.StatusOK, "Metadata update successful: the title is shown in the status pages and the API; Ogg listeners' players show the titles in the stream's own comments, which the source sets", 1)
		return
	}
	icecastXML(w, http.StatusOK, "Metadata update successful", 1)
}

func icecastXML(w http.ResponseWriter, status int, msg string, ret int) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("<?xml version=\"1.0\"?>\n<iceresponse><message>" + xmlEscape(msg) +
		"</message><return>" + strconv.Itoa(ret) + "</return></iceresponse>\n"))
}

// handleAdminCGI is SHOUTcast's /admin.cgi?mode=updinfo&pass=&song=, with
// pass in any of the v1 login forms and sid= choosing the stream.
func (s *Server) handleAdminCGI(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	login := parseShoutcastLogin(q.Get("pass"))
	if sid, err := strconv.Atoi(q.Get("sid")); err == nil && sid > 0 {
		login.sid = sid
	}
	path := s.shoutcastMount(login.sid)
	u, p, basic := r.BasicAuth()
	if login.pass == "" && !basic {
		http.Error(w, "invalid password", http.StatusUnauthorized)
		return
	}
	client := s.ClientAddr(r)
	ctx := r.Context()
	res, wait, why := s.checkLogin(DoorAdmin, client, func() error {
		checks := []func() error{func() error { _, err := s.shoutcastAuth(ctx, path, login.pass); return err }}
		if basic {
			checks = append(checks, func() error { return s.opts.Auth.AdminOK(ctx, u, p) })
		}
		checks = append(checks, func() error { return s.opts.Auth.AdminOK(ctx, "", login.pass) })
		return eitherOK(checks...)
	})
	switch {
	case res == loginThrottled:
		refuseThrottled(w, wait)
		return
	case res == loginWrong:
		s.opts.Logger.Warn("admin.cgi login failed", "component", "broadcast", "user", u, "client", client.String(),
			"reason", why, "retry_in", wait)
		http.Error(w, "invalid password", http.StatusUnauthorized)
		return
	case path == "":
		http.Error(w, "no such stream", http.StatusNotFound)
		return
	}
	if q.Get("mode") != "updinfo" {
		http.Error(w, "unsupported mode", http.StatusBadRequest)
		return
	}
	m := s.Mount(path)
	if m == nil {
		http.Error(w, "no such stream", http.StatusNotFound)
		return
	}
	m.SetTitle(songFrom(q), queryText(q, "url"), time.Now())
	s.opts.Logger.Info("title updated", "component", "broadcast", "mount", path, "title", m.Title().Title)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte("<html><body>OK</body></html>\n"))
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
