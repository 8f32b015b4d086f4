// Package startup starts and stops the OnAir server in one ordered
// sequence: load and validate the configuration, open the store, build
// each part complete (accounts and the source password, the console's
// settings, the access log, bans, the library, the broadcast server, the
// stations, the API), start them, serve, apply the config file again on
// a hang-up (reload.go), and on the way out close them in the reverse
// order. It also does the sub-commands' work on a data folder: a backup,
// a restore, an account's password. The command (cmd/onair) calls it
// with what its flags and signals give; nothing else may import it.
package startup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"onair/accesslog"
	"onair/accounts"
	"onair/admin"
	"onair/audience"
	"onair/bans"
	"onair/broadcast"
	"onair/config"
	"onair/credentials"
	"onair/library"
	"onair/logbook"
	"onair/mixer"
	"onair/playlist"
	"onair/settings"
	"onair/station"
	"onair/store"
	"onair/web"
)

// rescanEvery is how often the media folders are looked at for changes.
const rescanEvery = 10 * time.Second

// firstScanWait is how long startup waits for the first library scan
// before it starts the stations anyway.
const firstScanWait = 3 * time.Second

// Options are what the command line gives the server.
type Options struct {
	Version string    // in the banner, the log and the Server header
	Stdout  io.Writer // the banner
	Stderr  io.Writer // the log
	// Getenv tells which settings the environment gave; nil is os.Getenv.
	Getenv func(string) string
	// ConfigPath is the config file the server was loaded from ("" =
	// none: the defaults and the environment), read again on a reload.
	ConfigPath string
	// OnHangup, when set, has hup called when the operator asks for the
	// access log file to be reopened (logrotate) and the config file to
	// be read again (SIGHUP, systemctl reload), until the stop it returns
	// is called.
	OnHangup func(hup func()) (stop func())
}

// closers are what to undo on the way out, in the reverse order of
// building.
type closers []func()

func (c *closers) add(f func()) { *c = append(*c, f) }

func (c closers) closeAll() {
	for i := len(c) - 1; i >= 0; i-- {
		c[i]()
	}
}

// Run serves cfg until ctx ends, then closes everything cleanly. Its log
// goes to opts.Stderr and, from Info up, to a ring the console shows; an
// error that stops it is logged there too.
func Run(ctx context.Context, cfg config.Config, opts Options) error {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	// Everything logged at log_level and above goes to stderr and, from
	// Info up, into a ring of the latest records for the console's Logs
	// view. A reload changes the level.
	errorLog := logbook.NewRing[logbook.Record](logbook.DefaultSize)
	level := &slog.LevelVar{}
	if lv, ok := cfg.SlogLevel(); ok {
		level.Set(lv)
	}
	text := slog.NewTextHandler(opts.Stderr, &slog.HandlerOptions{Level: level})
	logger := slog.New(logbook.NewHandler(text, errorLog, ringLevel{level}))
	var undo closers
	err := run(ctx, cfg, opts, logger, level, errorLog, &undo)
	undo.closeAll()
	if err != nil {
		logger.Error("onair stopped", "err", err)
	}
	return err
}

// run builds, starts and serves, adding to undo what must be undone in
// reverse, and returns when ctx ends or serving fails.
func run(ctx context.Context, cfg config.Config, opts Options, logger *slog.Logger, level *slog.LevelVar, errorLog *logbook.Ring[logbook.Record], undo *closers) error {
	base := cfg // the file and the environment, before the console's settings
	// One server per data folder, and no restore under it: the lock is
	// held until the very end.
	lock, err := store.LockDir(cfg.DataDir)
	if err != nil {
		return err
	}
	undo.add(func() { _ = lock.Close() })

	// The first admin's password from before accounts (or generated now).
	creds, credsGen, err := credentials.Open(cfg.DataDir, cfg.AdminUser, cfg.AdminPassword)
	if err != nil {
		return err
	}
	gen := generated{Admin: credsGen.Admin}

	db, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		return err
	}
	undo.add(func() {
		if err := db.Close(); err != nil {
			logger.Warn("closing the store", "err", err)
		}
	})

	accts, err := openAccounts(ctx, db, cfg, creds, gen.Admin, logger)
	if err != nil {
		return err
	}
	source, genSource, err := accounts.OpenSourcePassword(ctx, db, accounts.SourceOptions{
		Configured: cfg.SourcePassword, Kept: creds.KeptSource(),
	})
	if err != nil {
		return fmt.Errorf("source password: %w", err)
	}
	gen.Source = genSource
	if source.FromConsole() {
		logger.Info("the source password saved from the console applies", "component", "settings")
	}
	sets, err := settings.Open(ctx, settings.NewStore(db), settings.Options{Base: cfg, Getenv: opts.Getenv, SourcePassword: source})
	if err != nil {
		return err
	}
	cfg = sets.Config() // the console's settings win over the file's

	// The access log is closed after the broadcast server, so that the
	// listeners who leave at shutdown are logged too.
	alog, err := openAccessLog(cfg.AccessLog, logger)
	if err != nil {
		return err
	}
	logs := admin.LogDeps{Errors: errorLog, Access: logbook.NewRing[accesslog.Entry](logbook.DefaultSize)}
	if alog != nil {
		undo.add(func() { closeAccessLog(alog, logger) })
	}

	banList, err := bans.Open(ctx, db)
	if err != nil {
		return fmt.Errorf("ban list: %w", err)
	}

	// The library scans from now on; a small one is scanned before the
	// stations start, so they begin with music; a big first scan carries
	// on while listeners connect and the first track plays once it is done.
	var dirs []string
	ids := map[string]bool{}
	for _, sc := range cfg.Stations {
		dirs = append(dirs, sc.MediaDirs...)
		ids[sc.ID] = true
	}
	lib := library.New(db, dirs, logger)
	for _, sc := range cfg.Stations {
		if _, on := sc.Loudness(); on {
			// Tracks are measured with the stations' decoders, which the
			// library may not import.
			lib.Measure = mixer.MeasureFile
			break
		}
	}
	goUntilDone(undo, func(ctx context.Context) { lib.Run(ctx, rescanEvery) })
	select {
	case <-lib.Scanned():
	case <-time.After(firstScanWait):
		logger.Info("library scan still running; the stations start meanwhile", "component", "library")
	}

	// One throttle for every door that takes a password, so that an
	// address gets its free tries once, not once per door.
	logins := accounts.NewThrottle()
	fr := &front{}
	proxies := newTrustedProxies(cfg.TrustedProxyPrefixes())
	bopts := broadcastOptions(cfg, opts.Version)
	bopts.LimitExempt = proxies.exempt
	bopts.Auth = accounts.NewAuthenticator(accts, source, cfg.AdminUser)
	bopts.Throttle = logins
	bopts.Logger = logger
	bopts.AccessLog = accessTee{ring: logs.Access, file: alog}
	bopts.Banned = banList.Banned
	bopts.Handler, bopts.Programs = fr, fr
	if len(cfg.Stations) > 0 {
		bopts.Page = web.PublicHandler() // "/" in a browser: the public station page
	}
	srv := broadcast.New(bopts)
	undo.add(func() { _ = srv.Close() }) // its listeners are closed whatever it returns

	prog := station.Programming{
		Library:   lib,
		Playlists: playlist.NewPlaylists(db, func(id string) bool { return ids[id] }),
		History:   playlist.NewHistory(db),
		Talk:      settings.NewTalkStore(db),
	}
	var list []*station.Station
	for _, sc := range cfg.Stations {
		st, note, err := station.New(sc, prog, srv, logger)
		if err != nil {
			return err
		}
		if note != "" {
			logger.Warn(note, "component", "station", "station", sc.ID)
		}
		list = append(list, st)
	}
	set := station.NewSet(list...)
	stationsCtx, stopStations := context.WithCancel(context.Background())
	for _, st := range list {
		go st.Run(stationsCtx)
	}
	undo.add(func() {
		// The stations let their mounts go before the server closes.
		stopStations()
		for _, st := range list {
			<-st.Done()
		}
	})

	// The pushes close before the stations stop, so that a station's
	// mount going away is not taken for a broken link and retried.
	targets, err := pushTargets(cfg)
	if err != nil {
		return err
	}
	pushes := broadcast.NewPushes(srv, targets, logger)
	pushes.Start()
	undo.add(func() { _ = pushes.Close() })

	recorder := &audience.Recorder{Store: db, Counts: func() []audience.Count { return mountCounts(srv) }, Logger: logger}
	api := admin.New(set, admin.Deps{
		Library: lib, Playlists: prog.Playlists, History: prog.History,
		MaxUpload: int64(cfg.MaxUploadMB) << 20,
		Listeners: admin.ListenerDeps{Server: srv, Bans: banList, History: recorder},
		Auth: admin.AuthDeps{
			Accounts: accts, ClientAddr: srv.ClientAddr, IsHTTPS: srv.IsHTTPS,
			Throttle:     logins,
			LoginRefused: func(throttled bool) { srv.LoginRefused(broadcast.DoorConsole, throttled) },
		},
		Settings: sets,
		Logs:     logs,
		Push:     pushes,
	}, logger)
	undo.add(api.Close)
	fr.bind(withConsole(api), set)
	goUntilDone(undo, recorder.Run)
	undo.add(sets.Subscribe(applier{srv: srv, stations: set, library: lib, log: logger}))
	if opts.OnHangup != nil {
		reloadCtx, stopReload := context.WithCancel(context.Background())
		rl := &reloader{
			path: opts.ConfigPath, getenv: opts.Getenv, version: opts.Version, log: logger, level: level, ctx: reloadCtx,
			settings: sets, srv: srv, proxies: proxies, source: source, accounts: accts, running: base,
		}
		undo.add(stopReload)
		// SIGHUP first reopens the access log (logrotate), then reloads.
		undo.add(opts.OnHangup(func() {
			if alog != nil {
				reopen(alog, cfg.AccessLog, logger)
			}
			rl.reload()
		}))
	}

	return serve(ctx, cfg, opts, srv, gen, logger, undo)
}

// serve opens the ports, serves on them until ctx ends or one fails, and
// prints the banner once all are open.
func serve(ctx context.Context, cfg config.Config, opts Options, srv *broadcast.Server, gen generated, logger *slog.Logger, undo *closers) error {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	undo.add(func() { ln.Close() })
	httpPort := ln.Addr().(*net.TCPAddr).Port
	var scLn net.Listener
	if scPort := cfg.ShoutcastPort.Resolve(httpPort); scPort != 0 {
		host, _, _ := net.SplitHostPort(cfg.Listen)
		addr := net.JoinHostPort(host, strconv.Itoa(scPort))
		if scLn, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("listen on %s (shoutcast_port): %w", addr, err)
		}
		undo.add(func() { scLn.Close() })
	}
	tlsLn, tlsCfg, err := listenTLS(cfg, logger)
	if err != nil {
		return err
	}
	if tlsLn != nil {
		undo.add(func() { tlsLn.Close() })
	}

	errc := make(chan error, 3)
	go func() { errc <- srv.Serve(ln) }()
	if scLn != nil {
		go func() { errc <- srv.ServeShoutcast(scLn) }()
	}
	if tlsLn != nil {
		go func() { errc <- srv.ServeTLS(tlsLn, tlsCfg) }()
		logger.Info("serving https", "tls_listen", tlsLn.Addr().String())
	}
	printBanner(opts.Stdout, opts.Version, cfg, httpPort, scLn, gen)
	logger.Info("on air", "listen", ln.Addr().String(), "version", opts.Version)

	select {
	case <-ctx.Done():
		logger.Info("shutting down")
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// goUntilDone runs f in a goroutine with a context of its own; undo ends
// that context and waits for f to return.
func goUntilDone(undo *closers, f func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(ctx)
	}()
	undo.add(func() {
		cancel()
		<-done
	})
}

// openAccounts opens the accounts in db and makes sure the first admin
// exists: from the admin password when this start knows it in clear
// (configured, or generated now); else, while no account exists, the
// credentials file's admin check stands in, and the first login it
// accepts creates the bcrypt account.
func openAccounts(ctx context.Context, db *store.Store, cfg config.Config, creds *credentials.Store, generatedAdmin string, logger *slog.Logger) (*accounts.Store, error) {
	st := accounts.New(db)
	st.Legacy = func(user, pass string) bool { return user != "" && creds.AdminOK(user, pass) }
	pw := cfg.AdminPassword
	if pw == "" {
		pw = generatedAdmin
	}
	if pw != "" {
		acc, created, err := st.EnsureAdmin(ctx, cfg.AdminUser, pw)
		if err != nil {
			return nil, fmt.Errorf("admin account %q (admin_user, admin_password): %w", cfg.AdminUser, err)
		}
		if created {
			logger.Info("admin account created", "component", "accounts", "user", acc.Username)
		}
	}
	return st, nil
}

// ringLevel is the console's log ring's level: log_level, never below
// Info, so that debug lines do not push out what the Logs view is for.
type ringLevel struct{ v *slog.LevelVar }

func (r ringLevel) Level() slog.Level { return max(slog.LevelInfo, r.v.Level()) }
