package config

import (
	"fmt"
	"net/url"
	"strconv"
)

// PushURL parses a push's url; it is valid once Validate passed.
func (p Push) PushURL() (*url.URL, error) {
	u, err := url.Parse(p.URL)
	if err != nil {
		// url's errors quote the URL, password and all.
		return nil, fmt.Errorf("push url for %s does not parse", p.Mount)
	}
	return u, nil
}

// checkPush checks the push targets: a local mount that plays (a station's
// output or a listed passthrough mount) and a URL OnAir can push to.
// Messages never quote the URL: it holds a password.
func (c Config) checkPush(ch *checker) {
	local := map[string]bool{}
	for _, s := range c.Stations {
		local[s.Mount] = true
		for _, o := range s.Outputs {
			local[o.Mount] = true
		}
	}
	for _, m := range c.Mounts {
		local[m.Path] = true
	}
	for i, p := range c.Push {
		at := fmt.Sprintf("push[%d]", i)
		if checkMountPath(ch, at+".mount", p.Mount) && !local[p.Mount] {
			ch.add(at+".mount", "must name a station's mount or a listed mount, not %q", p.Mount)
		}
		if problem := pushURLProblem(p.URL); problem != "" {
			ch.add(at+".url", "%s", problem)
		}
	}
}

// pushURLProblem says what is wrong with a push URL, or "".
func pushURLProblem(raw string) string {
	//nolint:gosec // an example in a message, not a credential
	const forms = `such as "icecast://source:pass@host:8000/mount" or "shoutcast://pass@host:8001"`
	if raw == "" {
		return "must not be empty"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return "must be a URL " + forms
	}
	port, perr := strconv.Atoi(u.Port())
	switch {
	case u.Scheme != "icecast" && u.Scheme != "shoutcast":
		return fmt.Sprintf("must start with icecast:// or shoutcast://, not %q", u.Scheme+":")
	case u.Hostname() == "":
		return "must name a host, " + forms
	case perr != nil || port < 1 || port > 65535:
		return "must give a port 1..65535, " + forms
	case u.User == nil || u.User.Username() == "":
		return "must give the remote's source password, " + forms
	case u.Fragment != "":
		return `must not hold "#": write a SHOUTcast stream id as "?sid=2"`
	}
	if u.Scheme == "icecast" {
		if _, ok := u.User.Password(); !ok {
			return `must give user and password as "user:pass@", such as "source:pass@"`
		}
		if problem := mountPathProblem(u.Path); problem != "" {
			return "must end with the remote mount: " + problem
		}
		return ""
	}
	if u.Path != "" && u.Path != "/" {
		return "must not have a path: SHOUTcast v1 has one stream per port (use \"?sid=2\" for a DNAS 2 stream id)"
	}
	if port < 2 {
		return "must give the source port, the DNAS port + 1"
	}
	if sid := u.Query().Get("sid"); sid != "" {
		if n, err := strconv.Atoi(sid); err != nil || n < 1 {
			return fmt.Sprintf("sid must be a stream id 1 or more, not %q", sid)
		}
	}
	return ""
}
