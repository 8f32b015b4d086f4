package broadcast

import (
	"context"
	"net/http"
	"strings"
)

// route is the HTTP port's handler: sources, listeners, title updates and
// status pages here; everything else goes to s.opts.Handler.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case r.Method == "SOURCE" || r.Method == http.MethodPut && !isAPI(p):
		s.handleSource(w, r)
	case p == "/admin.cgi":
		s.handleAdminCGI(w, r)
	case p == "/admin/metadata" || p == "/admin/metadata.xsl":
		s.handleMetadata(w, r)
	case p == "/favicon.ico":
		w.WriteHeader(http.StatusNoContent) // no icon yet; spares browsers a 404
	case p == "/status-json.xsl":
		s.handleStatusJSON(w, r)
	case p == "/api/nowplaying":
		s.handleNowPlaying(w, r)
	case p == "/api/history":
		s.next(w, r) // public, like now playing
	case p == "/7.html":
		s.handle7HTML(w, r)
	case p == "/stats":
		s.handleStats(w, r)
	case p == "/currentsong":
		s.handleCurrentSong(w, r)
	case p == "/played.html" || p == "/played":
		s.handlePlayed(w, r)
	case p == "/admin/listclients" || p == "/admin/listclients.xsl":
		m := s.adminMount(w, r, true)
		if m != nil {
			s.handleListClients(w, r, m)
		}
	case p == "/admin/stats" || p == "/admin/stats.xml":
		if s.adminAuth(w, r) {
			s.handleAdminStats(w, r)
		}
	case p == "/admin/streamlist.txt":
		s.handleStreamList(w, r)
	case p == "/admin/listmounts":
		if s.adminAuth(w, r) {
			s.handleListMounts(w, r)
		}
	case p == "/admin/killclient":
		if m := s.adminMount(w, r, false); m != nil {
			s.handleKillClient(w, r, m)
		}
	case p == "/admin/moveclients":
		if m := s.adminMount(w, r, false); m != nil {
			s.handleMoveClients(w, r, m)
		}
	case p == "/admin/killsource":
		if m := s.adminMount(w, r, false); m != nil {
			s.handleKillSource(w, r, m)
		}
	case p == "/metrics":
		s.handleMetrics(w, r)
	case isAPI(p) || p == "/console" || strings.HasPrefix(p, "/console/"):
		s.next(w, r) // the API checks accounts, sessions and roles itself
	case p == "/admin" || strings.HasPrefix(p, "/admin/"):
		if !s.adminAuth(w, r) {
			return
		}
		s.next(w, r)
	case p == "/" || p == "/;" || p == "/;stream.mp3":
		if wantsPage(r) {
			s.servePage(w, r)
			return
		}
		m := s.defaultMount()
		if m == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				s.servePage(w, r)
				return
			}
			http.NotFound(w, r)
			return
		}
		s.handleListen(w, r, m)
	default:
		if m := s.Mount(p); m != nil {
			s.handleListen(w, r, m)
			return
		}
		if s.serveHLS(w, r, p) || s.playlistFile(w, r, p) {
			return
		}
		if s.opts.Page != nil && (p == "/embed" || strings.HasPrefix(p, "/public/")) {
			s.opts.Page.ServeHTTP(w, r) // after the mounts: a mount of that name wins
			return
		}
		s.next(w, r)
	}
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	if s.opts.Handler != nil {
		s.opts.Handler.ServeHTTP(w, r)
		return
	}
	http.NotFound(w, r)
}

// isAPI reports whether p is under /api, whose PUTs edit things rather
// than start a source.
func isAPI(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// wantsPage reports whether a browser is navigating to the URL (it gets a
// page) rather than a player or an <audio> element fetching it (they get
// the stream). The user agent is not consulted: browsers are players too.
func wantsPage(r *http.Request) bool {
	if d := r.Header.Get("Sec-Fetch-Dest"); d != "" {
		return d == "document" || d == "iframe"
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// defaultMount is what "/" plays: the default mount when it is on air,
// else the first mount on air that is not hidden.
func (s *Server) defaultMount() *Mount {
	if m := s.Mount(s.opts.DefaultMount); m != nil && m.OnAir() && !m.Settings().Input {
		return m
	}
	for _, m := range s.MountList() {
		if m.OnAir() && !m.Settings().Input && !m.Settings().Hidden {
			return m
		}
	}
	return nil
}

// adminMount authenticates an Icecast admin request about ?mount= and
// returns the mount, answering the error itself when there is none. With
// sourceToo, the mount's source credentials are accepted as well.
func (s *Server) adminMount(w http.ResponseWriter, r *http.Request, sourceToo bool) *Mount {
	path := r.URL.Query().Get("mount")
	if !s.adminLogin(w, r, DoorAdmin, `Basic realm="Icecast2 Server"`, func(ctx context.Context, u, pw string) error {
		admin := func() error { return s.opts.Auth.AdminOK(ctx, u, pw) }
		if !sourceToo {
			return admin()
		}
		return eitherOK(admin, func() error { return s.opts.Auth.SourceOK(ctx, path, u, pw) })
	}) {
		return nil
	}
	m := s.Mount(path)
	if m == nil {
		icecastXML(w, http.StatusBadRequest, "Source does not exist", 0)
		return nil
	}
	return m
}

// adminAuth checks the admin's HTTP Basic credentials, answering 401 when
// they are missing or wrong, and 429 when the client is held back.
func (s *Server) adminAuth(w http.ResponseWriter, r *http.Request) bool {
	return s.adminLogin(w, r, DoorAdmin, `Basic realm="OnAir"`, s.opts.Auth.AdminOK)
}

// adminLogin checks a request's HTTP Basic credentials with check under
// the login throttle, counted at door, answering the refusal itself: 401
// with challenge when they are missing or wrong, 429 when the client is
// held back.
func (s *Server) adminLogin(w http.ResponseWriter, r *http.Request, door Door, challenge string, check func(ctx context.Context, user, pass string) error) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", challenge)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return false
	}
	client := s.ClientAddr(r)
	res, wait, why := s.checkLogin(door, client, func() error { return check(r.Context(), u, p) })
	switch res {
	case loginThrottled:
		refuseThrottled(w, wait)
		return false
	case loginWrong:
		s.opts.Logger.Warn(door.String()+" login failed", "component", "broadcast", "path", r.URL.Path, "user", u,
			"client", client.String(), "reason", why, "retry_in", wait)
		w.Header().Set("WWW-Authenticate", challenge)
		http.Error(w, "authentication required", http.StatusUnauthorized)
		return false
	}
	return true
}
