package main

import (
	"context"
	"log/slog"

	"onair/admin"
	"onair/broadcast"
	"onair/config"
	"onair/station"
)

// runningStations are the stations' engines, stopped together.
type runningStations struct {
	set    *station.Set
	cancel context.CancelFunc
}

// startStations starts every configured station on its mount and hands
// the broadcast server the API and what each station plays.
func startStations(cfg config.Config, srv *broadcast.Server, logger *slog.Logger) (*runningStations, error) {
	var list []*station.Station
	for _, sc := range cfg.Stations {
		st, note, err := station.New(sc, srv, logger)
		if err != nil {
			return nil, err
		}
		if note != "" {
			logger.Warn(note, "component", "station", "station", sc.ID)
		}
		list = append(list, st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	for _, st := range list {
		go st.Run(ctx)
	}
	set := station.NewSet(list...)
	srv.Programs = set
	srv.Handler = admin.New(set, logger)
	return &runningStations{set: set, cancel: cancel}, nil
}

// stop ends every station and waits for them to let their mounts go.
func (r *runningStations) stop() {
	r.cancel()
	for _, st := range r.set.List() {
		<-st.Done()
	}
}
