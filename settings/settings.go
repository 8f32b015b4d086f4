// Package settings keeps what admins and DJs change from the console
// over the config file. Manager serves the Settings view: the station's
// name and description, the server's limits, the source password and the
// media folders. It keeps them in the store, where they win over the
// config file and the environment (built-in defaults < file < environment
// < console), applies a change to the running server at once, and
// describes every setting with where its value comes from and whether a
// change needs a restart: listen addresses, ports, the data folder and
// TLS come only from the file and the environment. TalkStore keeps the
// talk-over mixer's levels and fade times saved from the console's mixer,
// which the station loads at start and saves on each change.
package settings

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"onair/config"
)

// ErrInvalid marks a change that is refused; errors.As finds the
// *Invalid with every problem.
var ErrInvalid = errors.New("invalid settings")

// Where a setting's value comes from, as View says.
const (
	FromDefault   = "default"   // the built-in default (the file may repeat it)
	FromFile      = "file"      // the config file
	FromEnv       = "env"       // an ONAIR_* environment variable
	FromConsole   = "console"   // saved from the console
	FromGenerated = "generated" // the source password made on a first start
)

// Limits are the server-wide limits; 0 is off.
type Limits struct {
	MaxListeners        int
	MaxBandwidthKbps    int
	MaxConnectionsPerIP int
}

// Listing is what listeners are told about a station.
type Listing struct {
	Name        string
	Description string
	Genre       string
	URL         string
}

// Live applies settings to the running server. A subscriber (Subscribe)
// is called after a change is saved, one change at a time, before Patch
// returns.
type Live interface {
	// SetLimits applies max_listeners, max_bandwidth_kbps and
	// max_connections_per_ip to the next connections.
	SetLimits(Limits)
	// SetListing changes what new listeners of the station are told.
	SetListing(station string, l Listing)
	// SetMediaDirs points the station at new media folders (absolute and
	// existing) and has the library scan them.
	SetMediaDirs(station string, dirs []string)
	// SourcePasswordChanged tells that the source password was set from
	// the console, or (fromConsole false) reset to the configured one.
	SourcePasswordChanged(fromConsole bool)
}

// SourcePassword keeps the source password saved from the console;
// *accounts.SourcePassword is one.
type SourcePassword interface {
	// Set makes pw the source password, over the configured one.
	Set(ctx context.Context, pw string) error
	// Reset goes back to the configured (or generated) password.
	Reset(ctx context.Context) error
	// FromConsole reports whether a password from the console is in force.
	FromConsole() bool
}

// Options configure a Manager.
type Options struct {
	// Base is the configuration from the built-in defaults, the config
	// file and the environment: what the console's settings go over.
	Base config.Config
	// Getenv tells which settings the environment gave (os.Getenv in the
	// server); nil means none.
	Getenv func(string) string
	// SourcePassword keeps the source password the console sets; nil
	// refuses a change of it.
	SourcePassword SourcePassword
}

// Manager holds the settings saved from the console over the base
// configuration. It is safe for concurrent use.
type Manager struct {
	store *Store
	opts  Options

	mu    sync.Mutex    // one change at a time: validate, save, apply
	base  config.Config // opts.Base, or what the last Rebase gave
	saved Saved
	live  []Live // the subscribers
}

// Open loads the settings saved in st.
func Open(ctx context.Context, st *Store, opts Options) (*Manager, error) {
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	saved, err := st.Load(ctx)
	if err != nil {
		return nil, err
	}
	return &Manager{store: st, opts: opts, base: opts.Base, saved: saved}, nil
}

// Config is the base configuration with the saved settings over it: what
// the server starts with.
func (m *Manager) Config() config.Config {
	m.mu.Lock()
	defer m.mu.Unlock()
	return apply(m.base, m.saved)
}

// Subscribe has l told of every change saved from now on, until the
// returned cancel is called. The server subscribes once every part is
// built, so that a change reaches parts that exist.
func (m *Manager) Subscribe(l Live) (cancel func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.live = append(m.live, l)
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		for i, x := range m.live {
			if x == l {
				m.live = slices.Delete(m.live, i, i+1)
				return
			}
		}
	}
}

// apply returns cfg with sv over it. The result shares no slice with cfg.
func apply(cfg config.Config, sv Saved) config.Config {
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&cfg.MaxListeners, sv.MaxListeners)
	set(&cfg.MaxBandwidthKbps, sv.MaxBandwidthKbps)
	set(&cfg.MaxConnectionsPerIP, sv.MaxConnectionsPerIP)
	stations := slices.Clone(cfg.Stations)
	for i := range stations {
		st := &stations[i]
		st.MediaDirs = slices.Clone(st.MediaDirs)
		saved, ok := sv.Stations[st.ID]
		if !ok {
			continue
		}
		for _, f := range []struct {
			dst *string
			v   *string
		}{{&st.Name, saved.Name}, {&st.Description, saved.Description}, {&st.Genre, saved.Genre}, {&st.URL, saved.URL}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		if saved.MediaDirs != nil {
			st.MediaDirs = slices.Clone(*saved.MediaDirs)
		}
	}
	cfg.Stations = stations
	return cfg
}

// limitsOf are cfg's limits.
func limitsOf(cfg config.Config) Limits {
	return Limits{MaxListeners: cfg.MaxListeners, MaxBandwidthKbps: cfg.MaxBandwidthKbps, MaxConnectionsPerIP: cfg.MaxConnectionsPerIP}
}

// listingOf is st's listing.
func listingOf(st config.Station) Listing {
	return Listing{Name: st.Name, Description: st.Description, Genre: st.Genre, URL: st.URL}
}

// Patch applies a change: every value is checked first, and if any is
// refused nothing changes and the error (wrapping ErrInvalid) lists them
// all. Otherwise the change is saved, applied to the running server, and
// the settings as they now stand are returned.
func (m *Manager) Patch(ctx context.Context, p Patch) (View, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	base := m.base
	next, problems := m.next(p)
	if len(problems) > 0 {
		return View{}, &Invalid{Problems: problems}
	}
	if err := m.store.Replace(ctx, next); err != nil {
		return View{}, err
	}
	before, after := apply(base, m.saved), apply(base, next)
	m.saved = next
	if c := p.SourcePassword; c.Given {
		// Kept by its own store, after the rest: a failure here leaves
		// the other changes saved, and says so.
		var err error
		if c.Reset {
			err = m.opts.SourcePassword.Reset(ctx)
		} else {
			err = m.opts.SourcePassword.Set(ctx, c.Value)
		}
		if err != nil {
			return View{}, fmt.Errorf("the other settings are saved; the source password: %w", err)
		}
	}
	m.notifyLocked(before, after)
	for _, live := range m.live {
		if p.SourcePassword.Given {
			live.SourcePasswordChanged(!p.SourcePassword.Reset)
		}
	}
	return m.viewLocked(), nil
}

// Rebase makes base the configuration the console's settings go over: a
// reload of the config file (with the environment over it) gives a new
// one. The settings saved from the console keep winning. The subscribers
// are told of what changes in the settings in force, as for a Patch, and
// the settings in force are returned. base's stations are matched by id;
// the caller keeps the running stations' list, which only a restart
// changes.
func (m *Manager) Rebase(base config.Config) config.Config {
	m.mu.Lock()
	defer m.mu.Unlock()
	before, after := apply(m.base, m.saved), apply(base, m.saved)
	m.base = base
	m.notifyLocked(before, after)
	return apply(m.base, m.saved)
}

// notifyLocked tells the subscribers what differs between the settings in
// force before and after a change.
func (m *Manager) notifyLocked(before, after config.Config) {
	for _, live := range m.live {
		if limitsOf(before) != limitsOf(after) {
			live.SetLimits(limitsOf(after))
		}
		for _, st := range after.Stations {
			old, ok := before.StationByID(st.ID)
			if !ok {
				continue
			}
			if listingOf(old) != listingOf(st) {
				live.SetListing(st.ID, listingOf(st))
			}
			if !slices.Equal(old.MediaDirs, st.MediaDirs) {
				live.SetMediaDirs(st.ID, slices.Clone(st.MediaDirs))
			}
		}
	}
}

// next is what would be saved after p, and the problems p has. The
// source password is not part of it: the caller sets it once everything
// else passed.
func (m *Manager) next(p Patch) (Saved, []Problem) {
	next := m.saved
	next.Stations = make(map[string]SavedStation, len(m.saved.Stations))
	for id, st := range m.saved.Stations {
		next.Stations[id] = st
	}
	var problems []Problem
	problems = append(problems, p.problems...)
	for _, l := range []struct {
		key string
		c   Change[int]
		dst **int
		max int
	}{
		{"max_listeners", p.MaxListeners, &next.MaxListeners, maxListenersLimit},
		{"max_bandwidth_kbps", p.MaxBandwidthKbps, &next.MaxBandwidthKbps, maxBandwidthLimit},
		{"max_connections_per_ip", p.MaxConnectionsPerIP, &next.MaxConnectionsPerIP, maxPerIPLimit},
	} {
		switch {
		case !l.c.Given:
		case l.c.Reset:
			*l.dst = nil
		case l.c.Value < 0 || l.c.Value > l.max:
			problems = append(problems, Problem{Key: l.key, Msg: fmt.Sprintf("'%s' must be between 0 (no limit) and %d", l.key, l.max)})
		default:
			v := l.c.Value
			*l.dst = &v
		}
	}
	if c := p.SourcePassword; c.Given {
		if m.opts.SourcePassword == nil {
			problems = append(problems, Problem{Key: "source_password", Msg: "'source_password' cannot be changed here"})
		} else if msg := passwordProblem(c.Value); !c.Reset && msg != "" {
			problems = append(problems, Problem{Key: "source_password", Msg: msg})
		}
	}
	for _, id := range sortedKeys(p.Stations) {
		sp := p.Stations[id]
		if _, ok := m.base.StationByID(id); !ok {
			problems = append(problems, Problem{Key: "stations." + id, Msg: fmt.Sprintf("there is no station %q", id)})
			continue
		}
		st, probs := nextStation(id, next.Stations[id], sp)
		problems = append(problems, probs...)
		next.Stations[id] = st
	}
	return next, problems
}

// nextStation is station id's saved settings after sp, and its problems.
func nextStation(id string, st SavedStation, sp StationPatch) (SavedStation, []Problem) {
	var problems []Problem
	bad := func(key, format string, args ...any) {
		problems = append(problems, Problem{
			Key: "stations." + id + "." + key,
			Msg: fmt.Sprintf("station %s: '%s' ", id, key) + fmt.Sprintf(format, args...),
		})
	}
	for _, f := range []struct {
		key   string
		c     Change[string]
		dst   **string
		check func(string) string
	}{
		{"name", sp.Name, &st.Name, nameProblem},
		{"description", sp.Description, &st.Description, textProblem(maxDescription)},
		{"genre", sp.Genre, &st.Genre, textProblem(maxGenre)},
		{"url", sp.URL, &st.URL, urlProblem},
	} {
		switch {
		case !f.c.Given:
		case f.c.Reset:
			*f.dst = nil
		default:
			if msg := f.check(f.c.Value); msg != "" {
				bad(f.key, "%s", msg)
				continue
			}
			v := f.c.Value
			*f.dst = &v
		}
	}
	if c := sp.MediaDirs; c.Given {
		if c.Reset {
			st.MediaDirs = nil
		} else if dirs, msgs := checkDirs(c.Value); len(msgs) > 0 {
			for _, msg := range msgs {
				bad("media_dirs", "%s", msg)
			}
		} else {
			st.MediaDirs = &dirs
		}
	}
	return st, problems
}
