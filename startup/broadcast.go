package startup

import (
	"net/http"
	"strings"
	"time"

	"onair/audience"
	"onair/broadcast"
	"onair/config"
	"onair/station"
	"onair/web"
)

// broadcastOptions maps the config onto the broadcast server's options;
// Run adds the parts the server works with (LimitExempt among them), and
// a reload takes the mounts, their defaults and the trusted proxies from
// it. A station's mount and its outputs' are its engine's; its live mount
// is an input whose sources the station decodes and mixes in.
func broadcastOptions(cfg config.Config, version string) broadcast.Options {
	defaults := broadcast.MountSettings{
		BurstSize:    cfg.BurstSize,
		Metaint:      cfg.Metaint,
		WriteTimeout: 10 * time.Second,
		Grace:        cfg.SourceGrace,
		HLSSegment:   time.Duration(cfg.HLSSegmentSeconds) * time.Second,
		HLSSegments:  cfg.HLSSegments,
	}
	var mounts []broadcast.MountConfig
	seen := map[string]bool{}
	add := func(path string, station, input bool) {
		if path == "" || seen[path] {
			return
		}
		seen[path] = true
		ms := cfg.MountSettings(path)
		st := defaults
		st.BurstSize, st.Metaint = ms.BurstSize, ms.Metaint
		st.MaxListeners, st.Fallback, st.FallbackOverride = ms.MaxListeners, ms.Fallback, ms.FallbackOverride
		st.Hidden = ms.Hidden
		st.Station, st.Input = station, input
		mounts = append(mounts, broadcast.MountConfig{Path: path, Settings: st})
	}
	defaultMount := ""
	for _, st := range cfg.Stations {
		add(st.Mount, true, false)
		add(st.LiveMount, false, true)
		for _, o := range st.Outputs {
			add(o.Mount, true, false) // sources may not push there either
		}
		if defaultMount == "" {
			defaultMount = st.Mount
		}
	}
	for _, m := range cfg.Mounts {
		add(m.Path, false, false)
	}
	relays := make([]broadcast.RelayConfig, 0, len(cfg.Relays))
	for _, r := range cfg.Relays {
		add(r.Mount, false, false)
		relays = append(relays, broadcast.RelayConfig{Mount: r.Mount, Upstreams: r.Upstreams, OnDemand: r.OnDemand})
	}
	if defaultMount == "" && len(mounts) > 0 {
		defaultMount = mounts[0].Path
	}
	return broadcast.Options{
		ServerID:            "OnAir " + version,
		Hostname:            cfg.Hostname,
		MaxListeners:        cfg.MaxListeners,
		AllowUnlisted:       cfg.AllowUnlistedMounts,
		DefaultMount:        defaultMount,
		ShoutcastMount:      cfg.ShoutcastMount,
		Mounts:              mounts,
		Defaults:            defaults,
		SourceTimeout:       cfg.SourceTimeout,
		HeaderTimeout:       cfg.HeaderTimeout,
		WakeInterval:        time.Second,
		ICYStatusAgents:     cfg.ICYStatusAgents,
		CountAfter:          time.Second,
		MaxConnectionsPerIP: cfg.MaxConnectionsPerIP,
		MaxBandwidthKbps:    cfg.MaxBandwidthKbps,
		TrustedProxies:      cfg.TrustedProxyPrefixes(),
		PublicMetrics:       cfg.PublicMetrics,
		RelayPassword:       cfg.RelayPassword,
		Relays:              relays,
		RelayMaster:         relayMaster(cfg.RelayMaster),
	}
}

// front is what the broadcast server hands on and asks about but cannot
// be given when it is built: the API and the console (which act on the
// server) and what the stations play (they publish into it). Run binds it
// once, after those are built and before the server serves; the server
// never changes.
type front struct {
	handler  http.Handler
	stations *station.Set
}

// bind gives front the parts built after the server.
func (f *front) bind(handler http.Handler, stations *station.Set) {
	f.handler, f.stations = handler, stations
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.handler.ServeHTTP(w, r) }

func (f *front) Program(mount string) (broadcast.Program, bool) { return f.stations.Program(mount) }

func (f *front) Played(mount string, limit int) ([]broadcast.Played, bool) {
	return f.stations.Played(mount, limit)
}

// withConsole serves the DJ console's page under /console beside the API;
// the page logs in through the API.
func withConsole(api http.Handler) http.Handler {
	console := web.ConsoleHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/console" || strings.HasPrefix(r.URL.Path, "/console/") {
			console.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// mountCounts are the listeners of every output and passthrough mount; a
// station's live input has none.
func mountCounts(srv *broadcast.Server) []audience.Count {
	var out []audience.Count
	for _, m := range srv.MountList() {
		if m.Settings().Input {
			continue
		}
		out = append(out, audience.Count{Mount: m.Path, Listeners: m.Listeners()})
	}
	return out
}

// pushTargets are the config's push entries for the broadcast server.
func pushTargets(cfg config.Config) ([]broadcast.PushTarget, error) {
	out := make([]broadcast.PushTarget, 0, len(cfg.Push))
	for _, p := range cfg.Push {
		u, err := p.PushURL()
		if err != nil {
			return nil, err
		}
		out = append(out, broadcast.PushTarget{Mount: p.Mount, URL: u})
	}
	return out, nil
}

// relayMaster is relay_master for the broadcast server: off without a URL,
// the listed mounts held to the config's mount rules.
func relayMaster(m config.RelayMaster) broadcast.MasterConfig {
	if m.URL == "" {
		return broadcast.MasterConfig{}
	}
	return broadcast.MasterConfig{URL: m.URL, User: m.User, Password: m.Password,
		Interval: m.MasterInterval(), OnDemand: m.OnDemand, CheckMount: config.MountPathProblem}
}
