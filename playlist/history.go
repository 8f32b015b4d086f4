package playlist

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"onair/store"
)

// Play is one entry of a station's history.
type Play struct {
	Station    string    `json:"station"`
	PlayedAt   time.Time `json:"played_at"`
	Title      string    `json:"title"`
	Artist     string    `json:"artist"`
	TrackID    int64     `json:"track_id"`
	PlaylistID int64     `json:"playlist_id"`
	Listeners  int       `json:"listeners"`
}

// History records what the stations played.
type History struct {
	st *store.Store
}

// NewHistory keeps the history in st.
func NewHistory(st *store.Store) *History { return &History{st: st} }

// MaxHistory is the most entries one request lists.
const MaxHistory = 1000

// Record adds a play.
func (h *History) Record(ctx context.Context, p Play) error {
	err := h.st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO history (station, played_at, track_id, playlist_id, title, artist, listeners)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.Station, p.PlayedAt.UnixMilli(), nullID(p.TrackID), nullID(p.PlaylistID),
			p.Title, p.Artist, p.Listeners)
		return err
	})
	if err != nil {
		return fmt.Errorf("record play of %q: %w", p.Title, err)
	}
	return nil
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// List returns a station's plays ("" = every station's), newest first,
// at most limit (1..MaxHistory).
func (h *History) List(ctx context.Context, station string, limit int) ([]Play, error) {
	limit = min(max(limit, 1), MaxHistory)
	rows, err := h.st.DB.QueryContext(ctx, `SELECT station, played_at, track_id, playlist_id, title, artist, listeners
		FROM history WHERE ? = '' OR station = ? ORDER BY played_at DESC, id DESC LIMIT ?`, station, station, limit)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	out := []Play{}
	for rows.Next() {
		var p Play
		var at int64
		var track, list sql.NullInt64
		if err := rows.Scan(&p.Station, &at, &track, &list, &p.Title, &p.Artist, &p.Listeners); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		p.PlayedAt = time.UnixMilli(at)
		p.TrackID, p.PlaylistID = track.Int64, list.Int64
		out = append(out, p)
	}
	return out, rows.Err()
}
