package startup

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"onair/accounts"
	"onair/broadcast"
	"onair/config"
	"onair/settings"
)

// liveKeys are the top-level config keys a reload applies while the
// server runs; every other key needs a restart, so a key added to the
// config later is restart-only until someone makes it live.
var liveKeys = map[string]bool{
	"source_password": true, "admin_password": true,
	"max_listeners": true, "max_connections_per_ip": true, "max_bandwidth_kbps": true,
	"burst_size": true, "metaint": true, "source_grace": true, "hls_segment_seconds": true, "hls_segments": true,
	"trusted_proxies": true, "mounts": true, "log_level": true,
}

// liveStationKeys are the station keys a reload applies to a running
// station.
var liveStationKeys = map[string]bool{"name": true, "description": true, "genre": true, "url": true, "media_dirs": true}

// reloader applies the config file again while the server runs (SIGHUP).
// Each part takes what changed as a whole new value (settings, mounts,
// proxies, the source password, the log level), never a field poked in
// place: the listeners' writers and the audio loop read those values
// through atomics and never wait for a reload.
type reloader struct {
	path    string
	getenv  func(string) string
	version string
	log     *slog.Logger
	level   *slog.LevelVar
	ctx     context.Context // ends at shutdown: a reload under way stops its store writes

	settings *settings.Manager
	srv      *broadcast.Server
	proxies  *trustedProxies
	source   *accounts.SourcePassword
	accounts *accounts.Store

	mu      sync.Mutex    // one reload at a time
	running config.Config // the file and environment in force, before the console's settings
}

// reload reads the config file again. A file that does not load or
// validate is logged with every problem and changes nothing. Otherwise
// what can change live does, what needs a restart is logged by key and
// keeps its running value, and a summary is logged.
func (r *reloader) reload() {
	r.mu.Lock()
	defer r.mu.Unlock()
	file := r.path
	if file == "" {
		file = "(no file: defaults and environment)"
	}
	next, err := Load(r.path, r.getenv)
	if err != nil {
		problems := unjoin(err)
		r.log.Error("config reload refused: nothing changed", "component", "config", "file", file, "problems", len(problems))
		for _, p := range problems {
			r.log.Error("config problem", "component", "config", "file", file, "err", p.Error())
		}
		return
	}
	next, live, restart := settle(r.running, next)
	next, live, restart = r.applyPasswords(next, live, restart)

	if lv, ok := next.SlogLevel(); ok {
		r.level.Set(lv)
	}
	inForce := r.settings.Rebase(next) // the console's settings keep winning
	bo := broadcastOptions(inForce, r.version)
	r.srv.SetMounts(bo.Mounts, bo.Defaults)
	r.srv.SetTrustedProxies(bo.TrustedProxies)
	r.proxies.set(bo.TrustedProxies)
	r.running = next

	for _, k := range restart {
		r.log.Warn("config change needs a restart; the running value stays", "component", "config", "key", k)
	}
	r.log.Info("config reloaded", "component", "config", "file", file,
		"applied", strings.Join(live, " "), "needs_restart", strings.Join(restart, " "))
}

// applyPasswords takes the source and admin passwords of next to their
// stores. One that cannot change live keeps its running value and moves
// to the restart list.
func (r *reloader) applyPasswords(next config.Config, live, restart []string) (config.Config, []string, []string) {
	keep := func(key string) {
		live = slices.DeleteFunc(live, func(k string) bool { return k == key })
		restart = append(restart, key)
	}
	if next.SourcePassword != r.running.SourcePassword {
		if err := r.source.SetConfigured(next.SourcePassword); err != nil {
			r.log.Warn("source password not changed", "component", "config", "err", err)
			next.SourcePassword = r.running.SourcePassword
			keep("source_password")
		} else if r.source.FromConsole() {
			r.log.Info("source password changed in the file; the one saved from the console stays in force", "component", "config")
		}
	}
	if next.AdminPassword != r.running.AdminPassword && next.AdminPassword != "" {
		if _, _, err := r.accounts.EnsureAdmin(r.ctx, next.AdminUser, next.AdminPassword); err != nil {
			r.log.Error("admin password not changed", "component", "config", "user", next.AdminUser, "err", err)
			next.AdminPassword = r.running.AdminPassword
			live = slices.DeleteFunc(live, func(k string) bool { return k == "admin_password" })
		}
	}
	return next, live, restart
}

// settle returns next with every setting a reload cannot apply set back
// to its running value, the keys of the live settings that change, and
// the keys of the changes that need a restart. Stations are matched by
// id; a station added or removed needs a restart.
func settle(running, next config.Config) (_ config.Config, live, restart []string) {
	stations := next.Stations
	next.Stations = running.Stations
	rv, nv := reflect.ValueOf(running), reflect.ValueOf(&next).Elem()
	for i := range rv.NumField() {
		key := yamlKey(rv.Type().Field(i))
		if key == "stations" {
			continue
		}
		changed := diffKeys(key, rv.Field(i), nv.Field(i))
		switch {
		case len(changed) == 0:
		case liveKeys[key]:
			live = append(live, key)
		default:
			restart = append(restart, changed...)
			nv.Field(i).Set(rv.Field(i))
		}
	}

	out := slices.Clone(running.Stations)
	for i, run := range out {
		j := slices.IndexFunc(stations, func(s config.Station) bool { return s.ID == run.ID })
		if j < 0 {
			restart = append(restart, "stations."+run.ID+" (removed)")
			continue
		}
		sv, nsv := reflect.ValueOf(run), reflect.ValueOf(stations[j])
		for f := range sv.NumField() {
			key := yamlKey(sv.Type().Field(f))
			changed := diffKeys("stations."+run.ID+"."+key, sv.Field(f), nsv.Field(f))
			switch {
			case len(changed) == 0:
			case liveStationKeys[key]:
				live = append(live, changed...)
				reflect.ValueOf(&out[i]).Elem().Field(f).Set(nsv.Field(f))
			default:
				restart = append(restart, changed...)
			}
		}
	}
	for _, st := range stations {
		if _, ok := running.StationByID(st.ID); !ok {
			restart = append(restart, "stations."+st.ID+" (added)")
		}
	}
	next.Stations = out
	return next, live, restart
}

// diffKeys names what differs between a and b, the values of key: key
// itself, or for a struct the keys of its fields that differ.
func diffKeys(key string, a, b reflect.Value) []string {
	if reflect.DeepEqual(a.Interface(), b.Interface()) {
		return nil
	}
	if a.Kind() != reflect.Struct {
		return []string{key}
	}
	var out []string
	for i := range a.NumField() {
		out = append(out, diffKeys(key+"."+yamlKey(a.Type().Field(i)), a.Field(i), b.Field(i))...)
	}
	return out
}

// yamlKey is a config field's key in the file.
func yamlKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// unjoin lists the errors an errors.Join (or a wrap of one) holds.
func unjoin(err error) []error {
	for e := err; e != nil; {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			return j.Unwrap()
		}
		e = errors.Unwrap(e)
	}
	return []error{err}
}

// trustedProxies are the trusted proxies in force, which a reload
// replaces: the per-IP limit spares them (and loopback), since each
// carries many listeners (a reverse proxy, a relay or a load test).
type trustedProxies struct {
	prefixes atomic.Pointer[[]netip.Prefix]
}

func newTrustedProxies(p []netip.Prefix) *trustedProxies {
	t := &trustedProxies{}
	t.set(p)
	return t
}

func (t *trustedProxies) set(p []netip.Prefix) {
	p = slices.Clone(p)
	t.prefixes.Store(&p)
}

// exempt reports whether the per-IP limit spares a.
func (t *trustedProxies) exempt(a netip.Addr) bool {
	if a.IsLoopback() {
		return true
	}
	for _, p := range *t.prefixes.Load() {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
