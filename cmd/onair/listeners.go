package main

import (
	"context"
	"fmt"
	"log/slog"

	"onair/admin"
	"onair/audience"
	"onair/bans"
	"onair/broadcast"
	"onair/store"
)

// listenerTools are the ban list and the recorder of listener counts,
// both kept in the store.
type listenerTools struct {
	bans     *bans.List
	recorder *audience.Recorder
	done     chan struct{} // closed when the recorder has stopped
}

// openListenerTools loads the ban list and hands it to srv, which checks
// it on every new connection and request.
func openListenerTools(ctx context.Context, db *store.Store, srv *broadcast.Server, logger *slog.Logger) (*listenerTools, error) {
	list, err := bans.Open(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("ban list: %w", err)
	}
	srv.Banned = list.Banned
	rec := &audience.Recorder{Store: db, Counts: func() []audience.Count { return mountCounts(srv) }, Logger: logger}
	return &listenerTools{bans: list, recorder: rec, done: make(chan struct{})}, nil
}

// start records the listener counts every minute until ctx ends; wait
// waits for that.
func (t *listenerTools) start(ctx context.Context) {
	go func() {
		defer close(t.done)
		t.recorder.Run(ctx)
	}()
}

func (t *listenerTools) wait() { <-t.done }

// deps are what the listeners and bans API works on.
func (t *listenerTools) deps(srv *broadcast.Server) admin.ListenerDeps {
	return admin.ListenerDeps{Server: srv, Bans: t.bans, History: t.recorder}
}

// mountCounts are the listeners of every output and passthrough mount; a
// station's live input has none.
func mountCounts(srv *broadcast.Server) []audience.Count {
	var out []audience.Count
	for _, m := range srv.MountList() {
		if m.Settings.Input {
			continue
		}
		out = append(out, audience.Count{Mount: m.Path, Listeners: m.Listeners()})
	}
	return out
}
