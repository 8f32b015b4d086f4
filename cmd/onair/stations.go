package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"onair/admin"
	"onair/broadcast"
	"onair/config"
	"onair/library"
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

// runningStations are the stations' engines and what they play from,
// stopped together.
type runningStations struct {
	set    *station.Set
	store  *store.Store
	api    *admin.API
	tools  *listenerTools // bans and listener counts
	cancel context.CancelFunc
	done   chan struct{} // the library's scanner has stopped
}

// startStations opens the store, starts the library's scanner and every
// configured station on its mount, and hands the broadcast server the API
// and what each station plays. The API's logins go through logins, the
// broadcast server's throttle.
func startStations(cfg config.Config, srv *broadcast.Server, auth *authenticator, logins admin.LoginThrottle, logger *slog.Logger, logs admin.LogDeps) (*runningStations, error) {
	ctx, cancel := context.WithCancel(context.Background())
	db, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		cancel()
		return nil, err
	}
	tools, err := openListenerTools(ctx, db, srv, logger)
	if err != nil {
		cancel()
		db.Close()
		return nil, err
	}
	accts, err := openAccounts(ctx, db, auth, logger)
	if err != nil {
		cancel()
		db.Close()
		return nil, err
	}
	sets, err := openSettings(ctx, db, cfg, srv, auth, logger)
	if err != nil {
		cancel()
		db.Close()
		return nil, err
	}
	cfg = sets.cfg() // the console's settings win over the file's
	var dirs []string
	ids := map[string]bool{}
	for _, sc := range cfg.Stations {
		dirs = append(dirs, sc.MediaDirs...)
		ids[sc.ID] = true
	}
	lib := library.New(db, dirs, logger)
	prog := station.Programming{
		Library:   lib,
		Playlists: playlist.NewPlaylists(db, func(id string) bool { return ids[id] }),
		History:   playlist.NewHistory(db),
		Talk:      settings.NewTalkStore(db),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		lib.Run(ctx, rescanEvery)
	}()
	// A small library is scanned before the stations start, so they begin
	// with music; a big first scan carries on while listeners connect and
	// the first track plays once it is done.
	select {
	case <-lib.Scanned():
	case <-time.After(firstScanWait):
		logger.Info("library scan still running; the stations start meanwhile", "component", "library")
	}
	var list []*station.Station
	for _, sc := range cfg.Stations {
		st, note, err := station.New(sc, prog, srv, logger)
		if err != nil {
			cancel()
			<-done
			db.Close()
			return nil, err
		}
		if note != "" {
			logger.Warn(note, "component", "station", "station", sc.ID)
		}
		list = append(list, st)
	}
	for _, st := range list {
		go st.Run(ctx)
	}
	set := station.NewSet(list...)
	srv.Programs = set
	sets.attach(set, lib)
	if len(list) > 0 {
		srv.Page = web.PublicHandler() // "/" in a browser: the public station page
	}
	api := admin.New(set, admin.Deps{
		Library: lib, Playlists: prog.Playlists, History: prog.History,
		MaxUpload: int64(cfg.MaxUploadMB) << 20,
		Listeners: tools.deps(srv),
		Auth: admin.AuthDeps{
			Accounts: accts, ClientAddr: srv.ClientAddr, IsHTTPS: srv.IsHTTPS,
			Throttle:     logins,
			LoginRefused: func(throttled bool) { srv.LoginRefused(broadcast.DoorConsole, throttled) },
		},
		Settings: sets.manager,
		Logs:     logs,
	}, logger)
	srv.Handler = withConsole(api)
	tools.start(ctx)
	return &runningStations{set: set, store: db, api: api, tools: tools, cancel: cancel, done: done}, nil
}

// stop ends every station, waits for them to let their mounts go and
// closes the store.
func (r *runningStations) stop() {
	r.api.Close()
	r.cancel()
	for _, st := range r.set.List() {
		<-st.Done()
	}
	<-r.done
	r.tools.wait()
	r.store.Close()
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
