package config

import (
	"net/url"
	"time"
)

// Bounds of relay_master.interval: often enough to follow a master's new
// mounts, rarely enough not to hammer it.
const (
	minMasterInterval     = 15 * time.Second
	maxMasterInterval     = time.Hour
	defaultMasterInterval = 120 * time.Second
)

// RelayMaster is an OnAir or Icecast master whose /admin/streamlist.txt
// this server follows: every mount it lists becomes a pull relay.
type RelayMaster struct {
	// URL is the master's base, e.g. "http://origin:8000"; "" = off.
	URL string `yaml:"url"`
	// User and Password log in to the list and to each pull: "relay"
	// and the master's relay password (Icecast's <relay-password>).
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	// Interval is how often the list is read again: 15s..1h, 0 = 120s.
	Interval time.Duration `yaml:"interval"`
	// OnDemand makes every followed mount an on_demand relay.
	OnDemand bool `yaml:"on_demand"`
}

// MasterInterval is the interval in force: the default when unset.
func (m RelayMaster) MasterInterval() time.Duration {
	if m.Interval == 0 {
		return defaultMasterInterval
	}
	return m.Interval
}

// checkRelayMaster checks relay_master when a URL is set.
func (c Config) checkRelayMaster(ch *checker) {
	m := c.RelayMaster
	if m.URL == "" {
		return
	}
	u, err := url.Parse(m.URL)
	switch {
	case err != nil:
		ch.add("relay_master.url", "not a URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		ch.add("relay_master.url", "%q: only http:// and https:// masters are supported", u.Redacted())
	case u.Host == "":
		ch.add("relay_master.url", "%q has no host", u.Redacted())
	case u.User != nil:
		ch.add("relay_master.url", "put the credentials in relay_master.user and relay_master.password, not in the URL")
	case u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		ch.add("relay_master.url", "must be the master's base URL such as http://origin:8000, not %q", u.Redacted())
	}
	if iv := m.MasterInterval(); iv < minMasterInterval || iv > maxMasterInterval {
		ch.add("relay_master.interval", "must be from %v to %v, not %v", minMasterInterval, maxMasterInterval, iv)
	}
}

// MountPathProblem says what is wrong with a mount point by the config's
// rules, or "": a master's list is held to the same rules as the file.
func MountPathProblem(m string) string { return mountPathProblem(m) }
