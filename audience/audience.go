// Package audience records how many listeners each mount has, once a
// minute, for the console's chart, and keeps a day and an hour of it.
package audience

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"onair/store"
)

// Defaults for Recorder.
const (
	DefaultEvery = time.Minute
	DefaultKeep  = 25 * time.Hour
)

// Count is one mount's listeners at the moment of a sample.
type Count struct {
	Mount     string
	Listeners int
}

// Sample is one mount's listeners at one time.
type Sample struct {
	At        time.Time `json:"at"`
	Listeners int       `json:"listeners"`
}

// Recorder writes the counts to the store's listener_samples table from
// its own goroutine (Run): the listeners' fan-out never waits on it.
type Recorder struct {
	Store *store.Store
	// Counts reads the mounts' listener counts now.
	Counts func() []Count
	// Every is the time between samples (DefaultEvery when 0).
	Every time.Duration
	// Keep is how long samples are kept (DefaultKeep when 0).
	Keep time.Duration
	// Now is the clock (time.Now when nil); tests run on their own.
	Now    func() time.Time
	Logger *slog.Logger
}

func (r *Recorder) every() time.Duration {
	if r.Every > 0 {
		return r.Every
	}
	return DefaultEvery
}

func (r *Recorder) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Run samples every Every until ctx ends. A failed write is logged and
// the next sample tried as usual: the chart gets a gap, nothing else.
func (r *Recorder) Run(ctx context.Context) {
	t := time.NewTicker(r.every())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.Record(ctx, r.now()); err != nil && ctx.Err() == nil && r.Logger != nil {
				r.Logger.Warn("listener counts not recorded", "component", "audience", "err", err)
			}
		}
	}
}

// Record stores every mount's count at now (to the millisecond) and
// deletes samples older than Keep.
func (r *Recorder) Record(ctx context.Context, now time.Time) error {
	keep := r.Keep
	if keep <= 0 {
		keep = DefaultKeep
	}
	counts := r.Counts()
	at := now.UnixMilli()
	err := r.Store.Tx(ctx, func(tx *sql.Tx) error {
		for _, c := range counts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO listener_samples (mount, at, listeners) VALUES (?, ?, ?)
				ON CONFLICT (mount, at) DO UPDATE SET listeners = excluded.listeners`, c.Mount, at, c.Listeners); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM listener_samples WHERE at < ?`, now.Add(-keep).UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("record listener counts: %w", err)
	}
	return nil
}

// History returns mount's samples taken at or after since, oldest first;
// never nil.
func (r *Recorder) History(ctx context.Context, mount string, since time.Time) ([]Sample, error) {
	rows, err := r.Store.DB.QueryContext(ctx, `SELECT at, listeners FROM listener_samples
		WHERE mount = ? AND at >= ? ORDER BY at`, mount, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("listener history of %s: %w", mount, err)
	}
	defer rows.Close()
	out := []Sample{}
	for rows.Next() {
		var s Sample
		var at int64
		if err := rows.Scan(&at, &s.Listeners); err != nil {
			return nil, fmt.Errorf("listener history of %s: %w", mount, err)
		}
		s.At = time.UnixMilli(at)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listener history of %s: %w", mount, err)
	}
	return out, nil
}
