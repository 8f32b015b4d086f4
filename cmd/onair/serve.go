package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"onair/accesslog"
	"onair/accounts"
	"onair/admin"
	"onair/broadcast"
	"onair/config"
	"onair/credentials"
	"onair/logbook"
)

// serve runs the server until ctx ends, then closes it cleanly. errorLog
// holds what logger logged, for the console.
func serve(ctx context.Context, cfg config.Config, stdout io.Writer, logger *slog.Logger, errorLog *logbook.Ring[logbook.Record]) error {
	creds, gen, err := credentials.Open(cfg.DataDir, cfg.AdminUser, cfg.AdminPassword, cfg.SourcePassword)
	if err != nil {
		return err
	}
	auth := newAuthenticator(cfg, creds, gen)
	// One throttle for every door that takes a password, so that an
	// address gets its free tries once, not once per door.
	logins := accounts.NewThrottle()
	srv := newBroadcastServer(cfg, auth, logins, logger)
	alog, err := openAccessLog(cfg.AccessLog, logger)
	if err != nil {
		return err
	}
	logs := admin.LogDeps{Errors: errorLog, Access: logbook.NewRing[accesslog.Entry](logbook.DefaultSize)}
	srv.AccessLog = accessTee{ring: logs.Access, file: alog}
	if alog != nil {
		stopHUP := reopenOnSIGHUP(alog, cfg.AccessLog, logger)
		// Deferred, so it runs after srv.Close below: the listeners that
		// leave at shutdown are logged too.
		defer func() {
			stopHUP()
			closeAccessLog(alog, logger)
		}()
	}

	stations, err := startStations(cfg, srv, auth, logins, logger, logs)
	if err != nil {
		srv.Close()
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		stations.stop()
		srv.Close()
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	httpPort := ln.Addr().(*net.TCPAddr).Port
	var scLn net.Listener
	if scPort := cfg.ShoutcastPort.Resolve(httpPort); scPort != 0 {
		host, _, _ := net.SplitHostPort(cfg.Listen)
		addr := net.JoinHostPort(host, strconv.Itoa(scPort))
		if scLn, err = net.Listen("tcp", addr); err != nil {
			ln.Close()
			stations.stop()
			srv.Close()
			return fmt.Errorf("listen on %s (shoutcast_port): %w", addr, err)
		}
	}
	tlsLn, tlsCfg, err := listenTLS(cfg, logger)
	if err != nil {
		if scLn != nil {
			scLn.Close()
		}
		ln.Close()
		stations.stop()
		srv.Close()
		return err
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
	printBanner(stdout, cfg, httpPort, scLn, gen)
	logger.Info("on air", "listen", ln.Addr().String(), "version", version)

	var runErr error
	select {
	case <-ctx.Done():
		logger.Info("shutting down")
	case runErr = <-errc:
	}
	stations.stop()
	srv.Close()
	if errors.Is(runErr, http.ErrServerClosed) {
		runErr = nil
	}
	return runErr
}

// newBroadcastServer maps the config onto the broadcast server. A
// station's mount is its engine's; its live mount is an input whose
// sources the station decodes and mixes in.
func newBroadcastServer(cfg config.Config, auth broadcast.Authenticator, logins broadcast.LoginThrottle, logger *slog.Logger) *broadcast.Server {
	defaults := broadcast.MountSettings{
		BurstSize:    cfg.BurstSize,
		Metaint:      cfg.Metaint,
		WriteTimeout: 10 * time.Second,
		Grace:        cfg.SourceGrace,
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
		st.Station, st.Input = station, input
		mounts = append(mounts, broadcast.MountConfig{Path: path, Settings: st})
	}
	defaultMount := ""
	for _, st := range cfg.Stations {
		add(st.Mount, true, false)
		add(st.LiveMount, false, true)
		if defaultMount == "" {
			defaultMount = st.Mount
		}
	}
	for _, m := range cfg.Mounts {
		add(m.Path, false, false)
	}
	if defaultMount == "" && len(mounts) > 0 {
		defaultMount = mounts[0].Path
	}
	return &broadcast.Server{
		Options: broadcast.Options{
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
			LimitExempt:         limitExempt(cfg.TrustedProxyPrefixes()),
			TrustedProxies:      cfg.TrustedProxyPrefixes(),
			PublicMetrics:       cfg.PublicMetrics,
			Throttle:            logins,
		},
		Auth:   auth,
		Logger: logger,
	}
}

// printBanner tells the operator where everything is, and shows generated
// passwords this once.
func printBanner(w io.Writer, cfg config.Config, httpPort int, scLn net.Listener, gen credentials.Generated) {
	host := cfg.Hostname
	if host == "" {
		host = "localhost"
	}
	base := "http://" + net.JoinHostPort(host, strconv.Itoa(httpPort))
	fmt.Fprintf(w, "OnAir %s is on air.\n", version)
	for _, st := range cfg.Stations {
		fmt.Fprintf(w, "  Listen:   %s%s  (station %q)\n", base, st.Mount, st.ID)
	}
	fmt.Fprintf(w, "  Status:   %s/  and  %s/status-json.xsl\n", base, base)
	live := cfg.ShoutcastMount
	if len(cfg.Stations) > 0 && cfg.Stations[0].LiveMount != "" {
		live = cfg.Stations[0].LiveMount
	}
	fmt.Fprintf(w, "  Sources:  Icecast  %s%s  (user \"source\")\n", base, live)
	if scLn != nil {
		fmt.Fprintf(w, "            SHOUTcast v1  %s port %d  (lands on %s)\n", host, scLn.Addr().(*net.TCPAddr).Port, cfg.ShoutcastMount)
	}
	if gen.Admin != "" {
		fmt.Fprintf(w, "  Admin password for %q (generated, shown only now): %s\n", cfg.AdminUser, gen.Admin)
	}
	if gen.Source != "" {
		fmt.Fprintf(w, "  Source password (generated, shown only now): %s\n", gen.Source)
	}
	if gen.Admin != "" || gen.Source != "" {
		fmt.Fprintf(w, "  Generated passwords are kept hashed in %s; set admin_password/source_password to choose your own.\n", cfg.DataDir)
	}
}

// limitExempt spares loopback and trusted proxies the per-IP limit: each
// carries many listeners (a reverse proxy, a relay or a load test).
func limitExempt(proxies []netip.Prefix) func(netip.Addr) bool {
	return func(a netip.Addr) bool {
		if a.IsLoopback() {
			return true
		}
		for _, p := range proxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
}
