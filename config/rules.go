package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode"
)

// checkAddr checks a host:port listen address and returns its port.
func checkAddr(ch *checker, path, addr string) (int, bool) {
	port, err := addrPort(addr)
	if err != nil {
		ch.add(path, "must be host:port such as \":8000\" with a port 0..65535, not %q", addr)
		return 0, false
	}
	return port, true
}

// addrPort returns the numeric port of a host:port address.
func addrPort(addr string) (int, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return 0, fmt.Errorf("port %q is not a number 0..65535", p)
	}
	return port, nil
}

// checkMountPath checks a mount point and reports whether it is valid.
func checkMountPath(ch *checker, path, mount string) bool {
	if problem := mountPathProblem(mount); problem != "" {
		ch.add(path, "%s", problem)
		return false
	}
	return true
}

// mountPathProblem says what is wrong with a mount point, or "".
func mountPathProblem(m string) string {
	switch {
	case m == "":
		return "must not be empty"
	case !strings.HasPrefix(m, "/"):
		return fmt.Sprintf("%q must start with \"/\"", m)
	case m == "/":
		return "\"/\" must name a mount, such as \"/stream\""
	case strings.ContainsFunc(m, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return fmt.Sprintf("%q must not contain spaces", m)
	case strings.ContainsAny(m, "?#"):
		return fmt.Sprintf("%q must not contain '?' or '#'", m)
	case strings.Contains(m, ".."):
		return fmt.Sprintf("%q must not contain \"..\"", m)
	case strings.HasPrefix(m, "/;"):
		return fmt.Sprintf("%q is reserved for SHOUTcast players", m)
	}
	for _, suffix := range []string{".m3u", ".m3u8", ".pls", ".xspf"} {
		if strings.HasSuffix(m, suffix) {
			return fmt.Sprintf("%q must not end in %q, which serves a mount's playlist", m, suffix)
		}
	}
	// The server's own pages: a mount there would hide them or be hidden.
	reserved := []string{
		"/admin", "/admin.cgi", "/api", "/console", "/metrics", "/status-json.xsl",
		"/7.html", "/stats", "/played.html", "/currentsong", "/hls",
	}
	for _, r := range reserved {
		if m == r || strings.HasPrefix(m, r+"/") {
			return fmt.Sprintf("%q is reserved for the server's own pages", m)
		}
	}
	return ""
}

// validStationID reports whether id matches [a-z0-9_-]+.
func validStationID(id string) bool {
	if id == "" {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// notEmpty checks that a string setting is set and reports whether it is.
func notEmpty(ch *checker, path, v string) bool {
	if v == "" {
		ch.add(path, "must not be empty")
		return false
	}
	return true
}

// atLeast checks v >= lo.
func atLeast(ch *checker, path string, v, lo int) {
	if v < lo {
		ch.add(path, "must be %d or more", lo)
	}
}

// between checks lo <= v <= hi.
func between(ch *checker, path string, v, lo, hi int) {
	if v < lo || v > hi {
		ch.add(path, "must be between %d and %d", lo, hi)
	}
}

// oneOf checks that v is one of allowed.
func oneOf[T comparable](ch *checker, path string, v T, allowed []T) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	words := make([]string, len(allowed))
	for i, a := range allowed {
		words[i] = fmt.Sprint(a)
	}
	ch.add(path, "must be one of %s", strings.Join(words, ", "))
}
