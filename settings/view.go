package settings

import (
	"fmt"
	"path/filepath"
	"reflect"

	"onair/config"
)

// Field is one setting as GET /api/settings shows it.
type Field struct {
	// Value is the value in force; null for a password, which is never
	// shown.
	Value any `json:"value"`
	// Source is where the value comes from: FromDefault, FromFile,
	// FromEnv, FromConsole, or FromGenerated for a generated password.
	Source string `json:"source"`
	// Restart is true for a setting that takes effect on restart and
	// comes only from the config file or the environment; false for one
	// the console changes at once.
	Restart bool `json:"restart"`
	// Env is the environment variable that sets it, if there is one.
	Env string `json:"env,omitempty"`
	// Set says, for a password, whether one is set.
	Set *bool `json:"set,omitempty"`
}

// View is every setting the console shows.
type View struct {
	// Server are the server's settings by key.
	Server map[string]Field `json:"server"`
	// Stations are the stations' settings, in the config's order.
	Stations []StationView `json:"stations"`
}

// StationView is one station's settings.
type StationView struct {
	ID       string           `json:"id"`
	Settings map[string]Field `json:"settings"`
}

// serverFact is a server setting that only the file or the environment
// sets.
type serverFact struct {
	key, env string
	value    func(config.Config) any
	// onReload: a reload of the file (SIGHUP) applies it; no restart.
	onReload bool
}

// where says where the setting is changed.
func (f serverFact) where() string {
	if f.env != "" {
		return "the config file or " + f.env
	}
	return "the config file"
}

// serverFacts are the read-only server settings the console shows.
var serverFacts = []serverFact{
	{key: "listen", env: config.EnvListen, value: func(c config.Config) any { return c.Listen }},
	{key: "shoutcast_port", value: func(c config.Config) any { return c.ShoutcastPort.String() }},
	{key: "shoutcast_mount", value: func(c config.Config) any { return c.ShoutcastMount }},
	{key: "tls_listen", value: func(c config.Config) any { return c.TLSListen }},
	{key: "tls_cert", value: func(c config.Config) any { return c.TLSCert }},
	{key: "tls_key", value: func(c config.Config) any { return c.TLSKey }},
	{key: "hostname", value: func(c config.Config) any { return c.Hostname }},
	{key: "data_dir", env: config.EnvData, value: func(c config.Config) any { return c.DataDir }},
	{key: "admin_user", value: func(c config.Config) any { return c.AdminUser }},
	{key: "trusted_proxies", value: func(c config.Config) any { return c.TrustedProxies }, onReload: true},
	{key: "public_metrics", value: func(c config.Config) any { return c.PublicMetrics }},
	{key: "access_log", value: func(c config.Config) any { return c.AccessLog }},
	{key: "max_upload_mb", value: func(c config.Config) any { return c.MaxUploadMB }},
}

// stationFact is a station setting that only the file sets.
type stationFact struct {
	key   string
	value func(config.Station) any
}

// stationFacts are the read-only station settings the console shows.
var stationFacts = []stationFact{
	{"mount", func(s config.Station) any { return s.Mount }},
	{"live_mount", func(s config.Station) any { return s.LiveMount }},
	{"bitrate", func(s config.Station) any { return s.Bitrate }},
	{"sample_rate", func(s config.Station) any { return s.SampleRate }},
	{"encoder", func(s config.Station) any { return s.Encoder }},
	{"mp3_quality", func(s config.Station) any { return s.MP3Quality }},
	{"resampler", func(s config.Station) any { return s.Resampler }},
	{"outputs", func(s config.Station) any { return outputList(s.Outputs) }},
}

// outputList describes a station's outputs for the console, one string
// each: "/stream-64.mp3 (mp3, 64 kbps)", with the rate when it is set.
func outputList(outs []config.Output) []string {
	list := make([]string, len(outs))
	for i, o := range outs {
		list[i] = fmt.Sprintf("%s (%s, %d kbps)", o.Mount, o.Codec, o.Bitrate)
		if o.SampleRate != 0 {
			list[i] = fmt.Sprintf("%s (%s, %d kbps, %d Hz)", o.Mount, o.Codec, o.Bitrate, o.SampleRate)
		}
	}
	return list
}

// View describes every setting: its value, where it comes from, and
// whether a change needs a restart.
func (m *Manager) View() View {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.viewLocked()
}

func (m *Manager) viewLocked() View {
	base, sv := m.base, m.saved
	eff := apply(base, sv)
	def := config.Default()
	// origin is where a value not saved from the console comes from:
	// the environment when its variable is set, else the file when it
	// differs from the built-in default.
	origin := func(env string, v, defV any) string {
		switch {
		case env != "" && m.opts.Getenv(env) != "":
			return FromEnv
		case !reflect.DeepEqual(v, defV):
			return FromFile
		}
		return FromDefault
	}
	server := map[string]Field{}
	for _, f := range serverFacts {
		server[f.key] = Field{Value: f.value(base), Source: origin(f.env, f.value(base), f.value(def)), Restart: !f.onReload, Env: f.env}
	}
	for _, l := range []struct {
		key        string
		v, defV    int
		saved      *int
		configured int
	}{
		{"max_listeners", eff.MaxListeners, def.MaxListeners, sv.MaxListeners, base.MaxListeners},
		{"max_bandwidth_kbps", eff.MaxBandwidthKbps, def.MaxBandwidthKbps, sv.MaxBandwidthKbps, base.MaxBandwidthKbps},
		{"max_connections_per_ip", eff.MaxConnectionsPerIP, def.MaxConnectionsPerIP, sv.MaxConnectionsPerIP, base.MaxConnectionsPerIP},
	} {
		src := FromConsole
		if l.saved == nil {
			src = origin("", l.configured, l.defV)
		}
		server[l.key] = Field{Value: l.v, Source: src}
	}
	yes := true
	pw := Field{Source: FromGenerated, Env: config.EnvSourcePassword, Set: &yes}
	switch {
	case m.opts.SourcePassword != nil && m.opts.SourcePassword.FromConsole():
		pw.Source = FromConsole
	case m.opts.Getenv(config.EnvSourcePassword) != "":
		pw.Source = FromEnv
	case base.SourcePassword != "":
		pw.Source = FromFile
	}
	server["source_password"] = pw

	defSt := config.DefaultStation()
	stations := []StationView{}
	for i, st := range eff.Stations {
		conf, saved := base.Stations[i], sv.Stations[st.ID]
		fields := map[string]Field{}
		for _, f := range stationFacts {
			fields[f.key] = Field{Value: f.value(st), Source: origin("", f.value(st), f.value(defSt)), Restart: true}
		}
		for _, t := range []struct {
			key           string
			v, conf, defV string
			saved         *string
		}{
			{"name", st.Name, conf.Name, defSt.Name, saved.Name},
			{"description", st.Description, conf.Description, defSt.Description, saved.Description},
			{"genre", st.Genre, conf.Genre, defSt.Genre, saved.Genre},
			{"url", st.URL, conf.URL, defSt.URL, saved.URL},
		} {
			src := FromConsole
			if t.saved == nil {
				src = origin("", t.conf, t.defV)
			}
			fields[t.key] = Field{Value: t.v, Source: src}
		}
		src := FromConsole
		if saved.MediaDirs == nil {
			src = origin("", conf.MediaDirs, defSt.MediaDirs)
		}
		fields["media_dirs"] = Field{Value: absDirs(st.MediaDirs), Source: src}
		stations = append(stations, StationView{ID: st.ID, Settings: fields})
	}
	return View{Server: server, Stations: stations}
}

// absDirs shows folders as absolute paths, as the library reads them,
// so that what the console shows can be saved back as it is.
func absDirs(dirs []string) []string {
	out := make([]string, len(dirs))
	for i, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			d = abs
		}
		out[i] = d
	}
	return out
}
