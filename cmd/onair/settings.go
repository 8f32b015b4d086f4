package main

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"

	"onair/broadcast"
	"onair/config"
	"onair/library"
	"onair/settings"
	"onair/station"
	"onair/store"
)

// consoleSettings are the settings saved from the console, and what
// applies their changes to the running server.
type consoleSettings struct {
	manager *settings.Manager
	live    *liveSettings
}

// openSettings loads the settings saved from the console over cfg (the
// defaults, the file and the environment). It applies the limits and the
// source password at once; the stations start from cfg() and are handed
// over with attach.
func openSettings(ctx context.Context, db *store.Store, cfg config.Config, srv *broadcast.Server, auth *authenticator, logger *slog.Logger) (*consoleSettings, error) {
	live := &liveSettings{srv: srv, auth: &consoleAuth{authenticator: auth}, log: logger}
	m, err := settings.Open(ctx, settings.NewStore(db), settings.Options{Base: cfg, Getenv: os.Getenv, Live: live})
	if err != nil {
		return nil, err
	}
	eff := m.Config()
	srv.SetLimits(broadcast.Limits{
		MaxListeners: eff.MaxListeners, MaxBandwidthKbps: eff.MaxBandwidthKbps, MaxConnectionsPerIP: eff.MaxConnectionsPerIP,
	})
	if hash := m.SourcePasswordHash(); hash != nil {
		live.auth.setSourceHash(hash)
		logger.Info("the source password saved from the console applies", "component", "settings")
	}
	// Sources are checked against the console's password from now on;
	// the server does not serve yet, so nobody has been checked before.
	srv.Auth = live.auth
	return &consoleSettings{manager: m, live: live}, nil
}

// cfg is the configuration with the console's settings over it.
func (c *consoleSettings) cfg() config.Config { return c.manager.Config() }

// attach hands over the running stations and their library, before the
// server serves (and so before the first change can come).
func (c *consoleSettings) attach(stations *station.Set, lib *library.Library) {
	c.live.stations, c.live.library = stations, lib
}

// liveSettings applies changes saved from the console to the server.
type liveSettings struct {
	srv      *broadcast.Server
	auth     *consoleAuth
	stations *station.Set
	library  *library.Library
	log      *slog.Logger
}

func (l *liveSettings) SetLimits(lim settings.Limits) {
	l.srv.SetLimits(broadcast.Limits{
		MaxListeners: lim.MaxListeners, MaxBandwidthKbps: lim.MaxBandwidthKbps, MaxConnectionsPerIP: lim.MaxConnectionsPerIP,
	})
	l.log.Info("limits changed", "component", "settings", "max_listeners", lim.MaxListeners,
		"max_bandwidth_kbps", lim.MaxBandwidthKbps, "max_connections_per_ip", lim.MaxConnectionsPerIP)
}

func (l *liveSettings) SetListing(id string, li settings.Listing) {
	if st := l.stations.Get(id); st != nil {
		st.SetListing(station.Listing{Name: li.Name, Description: li.Description, Genre: li.Genre, URL: li.URL})
	}
}

// SetMediaDirs points the station at dirs and has the library scan every
// station's folders as they now are.
func (l *liveSettings) SetMediaDirs(id string, dirs []string) {
	st := l.stations.Get(id)
	if st == nil {
		return
	}
	st.SetMediaDirs(dirs)
	var all []string
	for _, s := range l.stations.List() {
		all = append(all, s.MediaDirs()...)
	}
	l.library.SetDirs(all)
}

func (l *liveSettings) SetSourcePassword(hash []byte) {
	l.auth.setSourceHash(hash)
	l.log.Info("source password changed", "component", "settings", "from_console", hash != nil)
}

// consoleAuth is the authenticator with the source password saved from
// the console, which replaces the configured (or generated) one.
type consoleAuth struct {
	*authenticator
	sourceHash atomic.Pointer[[]byte] // bcrypt; nil: the configured password
}

// setSourceHash makes the password of hash the source password; nil goes
// back to the configured one.
func (c *consoleAuth) setSourceHash(hash []byte) {
	if hash == nil {
		c.sourceHash.Store(nil)
		return
	}
	c.sourceHash.Store(&hash)
}

// SourceOK accepts the console's source password, when one was saved,
// with any user name, or an account's own username and password.
func (c *consoleAuth) SourceOK(mount, user, pass string) bool {
	hash := c.sourceHash.Load()
	if hash == nil {
		return c.authenticator.SourceOK(mount, user, pass)
	}
	if settings.PasswordMatches(*hash, pass) {
		return true
	}
	if user == "" || c.accounts == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), authCheckTimeout)
	defer cancel()
	_, err := c.accounts.Verify(ctx, user, pass)
	return err == nil
}
