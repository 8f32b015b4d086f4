package config

import (
	"fmt"
	"net/url"
)

// maxUpstreams bounds a relay's failover list.
const maxUpstreams = 10

// checkRelays checks the pull relays: a mount path of their own, 1 to
// maxUpstreams http or https URLs, and a fallback that exists.
func (c Config) checkRelays(ch *checker) {
	taken := map[string]string{} // mount → what uses it
	known := map[string]bool{}   // where a fallback may lead
	for _, s := range c.Stations {
		taken[s.Mount] = "station " + s.ID
		known[s.Mount] = true
		if s.LiveMount != "" {
			taken[s.LiveMount] = "station " + s.ID
		}
		for _, o := range s.Outputs {
			taken[o.Mount] = "station " + s.ID
			known[o.Mount] = true
		}
	}
	for _, m := range c.Mounts {
		taken[m.Path] = "mounts"
		known[m.Path] = true
	}
	for _, r := range c.Relays {
		known[r.Mount] = true
	}
	for i, r := range c.Relays {
		p := fmt.Sprintf("relays[%d]", i)
		if checkMountPath(ch, p+".mount", r.Mount) {
			if by, ok := taken[r.Mount]; ok {
				ch.add(p+".mount", "%q is already used by %s; a relay needs a mount of its own", r.Mount, by)
			}
			taken[r.Mount] = p
		}
		switch n := len(r.Upstreams); {
		case n == 0:
			ch.add(p+".upstreams", "must list at least one URL, e.g. http://origin:8000/stream")
		case n > maxUpstreams:
			ch.add(p+".upstreams", "lists %d URLs; at most %d", n, maxUpstreams)
		}
		for j, raw := range r.Upstreams {
			if problem := upstreamProblem(raw); problem != "" {
				ch.add(fmt.Sprintf("%s.upstreams[%d]", p, j), "%s", problem)
			}
		}
		switch {
		case r.Fallback == "":
		case r.Fallback == r.Mount:
			ch.add(p+".fallback", "must name another mount, not the relay's own")
		case !known[r.Fallback]:
			ch.add(p+".fallback", "must name a listed mount, a station's mount or another relay, not %q", r.Fallback)
		}
	}
}

// upstreamProblem says what is wrong with an upstream URL, or "".
func upstreamProblem(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Sprintf("not a URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Sprintf("%q: only http:// and https:// upstreams are supported", u.Redacted())
	case u.Host == "":
		return fmt.Sprintf("%q has no host", u.Redacted())
	}
	return ""
}
