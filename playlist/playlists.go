// Package playlist chooses what a station plays from the library:
// weighted playlists kept in the store and their pickers, the rotation
// that picks a station's next track from its active playlists (or its
// whole library when none is active), and the history of plays.
package playlist

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"onair/library"
	"onair/store"
)

// Mode is how a playlist picks its next track (PROTOCOLS.md).
type Mode string

// The modes.
const (
	Sequential Mode = "sequential" // once through in order, then the playlist stops
	Looped     Mode = "looped"     // in order, over and over
	Weighted   Mode = "weighted"   // track of weight w with probability w/Σw among those eligible
	Shuffle    Mode = "shuffle"    // each track once per round, in a new order each round
)

func (m Mode) valid() bool {
	switch m {
	case Sequential, Looped, Weighted, Shuffle:
		return true
	}
	return false
}

// Playlist states, as the console shows them.
const (
	StatePlaying = "playing" // active, with something to play
	StateStopped = "stopped"
	StateError   = "error" // active, but none of its tracks plays
)

// Defaults and bounds of weights.
const (
	DefaultItemWeight     = 10
	DefaultPlaylistWeight = 5
	MaxWeight             = 10
	maxNameLen            = 200
)

// Playlist is a playlist's settings and state.
type Playlist struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Station     string `json:"station"`
	Mode        Mode   `json:"mode"`
	RepeatGuard int    `json:"repeat_guard"`
	Weight      int    `json:"weight"`
	Active      bool   `json:"active"`
	State       string `json:"state"`
	// Problem says why the state is error.
	Problem string `json:"problem,omitempty"`
	// Tracks counts the items; Playable those whose file plays.
	Tracks   int `json:"tracks"`
	Playable int `json:"playable"`
}

// Item is one entry of a playlist, in play order.
type Item struct {
	TrackID int64 `json:"track_id"`
	Weight  int   `json:"weight"`
}

// ListedItem is an item with its track, for showing a playlist.
type ListedItem struct {
	Item
	Track library.Track `json:"track"`
}

// Changes to a playlist's settings; nil fields stay as they are.
type Changes struct {
	Name        *string `json:"name"`
	Station     *string `json:"station"`
	Mode        *Mode   `json:"mode"`
	RepeatGuard *int    `json:"repeat_guard"`
	Weight      *int    `json:"weight"`
	Active      *bool   `json:"active"`
}

// Playlists keeps the playlists in the store.
type Playlists struct {
	st *store.Store
	// stationExists says whether a station id is known; nil accepts any.
	stationExists func(string) bool
	version       atomic.Uint64
}

// NewPlaylists serves the playlists of the store. stationExists checks
// the station a playlist is given (nil: any).
func NewPlaylists(st *store.Store, stationExists func(string) bool) *Playlists {
	p := &Playlists{st: st, stationExists: stationExists}
	p.version.Store(1)
	return p
}

// Version changes whenever a playlist or its items change, so pickers
// know to reload.
func (p *Playlists) Version() uint64 { return p.version.Load() }

func (p *Playlists) changed() { p.version.Add(1) }

// playlistColumns reads a playlist with its item counts; the counts come
// from the tracks table, so a file that went missing shows at once.
const playlistColumns = `p.id, p.name, p.station, p.mode, p.repeat_guard, p.weight, p.active,
	(SELECT count(*) FROM playlist_items i WHERE i.playlist_id = p.id),
	(SELECT count(*) FROM playlist_items i JOIN tracks t ON t.id = i.track_id
		WHERE i.playlist_id = p.id AND t.missing = 0 AND t.error = '')`

type rowScanner interface{ Scan(...any) error }

func scanPlaylist(r rowScanner) (Playlist, error) {
	var pl Playlist
	err := r.Scan(&pl.ID, &pl.Name, &pl.Station, &pl.Mode, &pl.RepeatGuard, &pl.Weight, &pl.Active, &pl.Tracks, &pl.Playable)
	if err != nil {
		return pl, err
	}
	pl.State = StateStopped
	if pl.Active {
		pl.State = StatePlaying
		switch {
		case pl.Tracks == 0:
			pl.State, pl.Problem = StateError, "the playlist is empty"
		case pl.Playable == 0:
			pl.State, pl.Problem = StateError, "none of its tracks plays (missing or broken files)"
		}
	}
	return pl, nil
}

// List returns the playlists, of one station or ("") of all, by name.
func (p *Playlists) List(ctx context.Context, station string) ([]Playlist, error) {
	rows, err := p.st.DB.QueryContext(ctx, `SELECT `+playlistColumns+` FROM playlists p
		WHERE ? = '' OR p.station = ? ORDER BY p.name COLLATE NOCASE, p.id`, station, station)
	if err != nil {
		return nil, fmt.Errorf("list playlists: %w", err)
	}
	defer rows.Close()
	out := []Playlist{}
	for rows.Next() {
		pl, err := scanPlaylist(rows)
		if err != nil {
			return nil, fmt.Errorf("list playlists: %w", err)
		}
		out = append(out, pl)
	}
	return out, rows.Err()
}

// Get returns one playlist.
func (p *Playlists) Get(ctx context.Context, id int64) (Playlist, error) {
	return getPlaylist(ctx, p.st.DB, id)
}

type querier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func getPlaylist(ctx context.Context, q querier, id int64) (Playlist, error) {
	pl, err := scanPlaylist(q.QueryRowContext(ctx, `SELECT `+playlistColumns+` FROM playlists p WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return pl, fmt.Errorf("playlist %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return pl, fmt.Errorf("playlist %d: %w", id, err)
	}
	return pl, nil
}

// Items returns a playlist's items in play order, with their tracks.
func (p *Playlists) Items(ctx context.Context, id int64) ([]ListedItem, error) {
	if _, err := p.Get(ctx, id); err != nil {
		return nil, err
	}
	return listItems(ctx, p.st.DB, id)
}

func listItems(ctx context.Context, q querier, id int64) ([]ListedItem, error) {
	rows, err := q.QueryContext(ctx, `SELECT i.track_id, i.weight, `+trackColumnsT+`
		FROM playlist_items i JOIN tracks t ON t.id = i.track_id
		WHERE i.playlist_id = ? ORDER BY i.pos`, id)
	if err != nil {
		return nil, fmt.Errorf("playlist %d items: %w", id, err)
	}
	defer rows.Close()
	out := []ListedItem{}
	for rows.Next() {
		var it ListedItem
		t := &it.Track
		if err := rows.Scan(&it.TrackID, &it.Weight, &t.ID, &t.Path, &t.Artist, &t.Title, &t.Album,
			&t.DurationMS, &t.Format, &t.SampleRate, &t.Bitrate, &t.Error, &t.Missing); err != nil {
			return nil, fmt.Errorf("playlist %d items: %w", id, err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// trackColumnsT are the columns of a Track, from the tracks table as t.
const trackColumnsT = `t.id, t.path, t.artist, t.title, t.album, t.duration_ms, t.format, t.sample_rate, t.bitrate, t.error, t.missing`

// Create adds a playlist; unset fields take their defaults (mode
// shuffle, weight 5, stopped).
func (p *Playlists) Create(ctx context.Context, c Changes) (Playlist, error) {
	pl := Playlist{Mode: Shuffle, Weight: DefaultPlaylistWeight}
	apply(&pl, c)
	if c.Name == nil {
		return pl, fmt.Errorf("%w: a playlist needs a name", ErrInvalid)
	}
	if err := p.validate(pl, 0); err != nil {
		return pl, err
	}
	var id int64
	err := p.st.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO playlists (name, station, mode, repeat_guard, weight, active, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, pl.Name, pl.Station, pl.Mode, pl.RepeatGuard, pl.Weight, pl.Active, time.Now().UnixMilli())
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return pl, fmt.Errorf("create playlist: %w", err)
	}
	p.changed()
	return p.Get(ctx, id)
}

func apply(pl *Playlist, c Changes) {
	if c.Name != nil {
		pl.Name = strings.TrimSpace(*c.Name)
	}
	if c.Station != nil {
		pl.Station = *c.Station
	}
	if c.Mode != nil {
		pl.Mode = *c.Mode
	}
	if c.RepeatGuard != nil {
		pl.RepeatGuard = *c.RepeatGuard
	}
	if c.Weight != nil {
		pl.Weight = *c.Weight
	}
	if c.Active != nil {
		pl.Active = *c.Active
	}
}

// validate checks a playlist's settings against its item count.
func (p *Playlists) validate(pl Playlist, items int) error {
	switch {
	case pl.Name == "":
		return fmt.Errorf("%w: a playlist needs a name", ErrInvalid)
	case len(pl.Name) > maxNameLen:
		return fmt.Errorf("%w: the name is longer than %d bytes", ErrInvalid, maxNameLen)
	case pl.Station == "":
		return fmt.Errorf("%w: a playlist needs a station", ErrInvalid)
	case p.stationExists != nil && !p.stationExists(pl.Station):
		return fmt.Errorf("%w: no station %q", ErrInvalid, pl.Station)
	case !pl.Mode.valid():
		return fmt.Errorf("%w: mode %q: want sequential, looped, weighted or shuffle", ErrInvalid, pl.Mode)
	case pl.Weight < 1 || pl.Weight > MaxWeight:
		return fmt.Errorf("%w: weight %d: want 1 to %d", ErrInvalid, pl.Weight, MaxWeight)
	case pl.RepeatGuard < 0:
		return fmt.Errorf("%w: repeat_guard %d is negative", ErrInvalid, pl.RepeatGuard)
	case pl.RepeatGuard > 0 && pl.RepeatGuard >= items:
		return fmt.Errorf("%w: repeat_guard %d needs more than %d tracks in the playlist (it has %d)",
			ErrInvalid, pl.RepeatGuard, pl.RepeatGuard, items)
	}
	return nil
}

// Update changes a playlist's settings.
func (p *Playlists) Update(ctx context.Context, id int64, c Changes) (Playlist, error) {
	err := p.st.Tx(ctx, func(tx *sql.Tx) error {
		pl, err := getPlaylist(ctx, tx, id)
		if err != nil {
			return err
		}
		apply(&pl, c)
		if err := p.validate(pl, pl.Tracks); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE playlists SET name = ?, station = ?, mode = ?, repeat_guard = ?, weight = ?, active = ?
			WHERE id = ?`, pl.Name, pl.Station, pl.Mode, pl.RepeatGuard, pl.Weight, pl.Active, id)
		return err
	})
	if err != nil {
		return Playlist{}, fmt.Errorf("update playlist %d: %w", id, err)
	}
	p.changed()
	return p.Get(ctx, id)
}

// SetActive starts (true) or stops a playlist.
func (p *Playlists) SetActive(ctx context.Context, id int64, on bool) (Playlist, error) {
	return p.Update(ctx, id, Changes{Active: &on})
}

// Delete removes a playlist and its items.
func (p *Playlists) Delete(ctx context.Context, id int64) error {
	var n int64
	err := p.st.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM playlists WHERE id = ?`, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("delete playlist %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("playlist %d: %w", id, ErrNotFound)
	}
	p.changed()
	return nil
}

// SetItems replaces a playlist's items, in play order, in one
// transaction: two consoles saving at once leave one list or the other,
// never a mix. A weight of 0 means the default, 10.
func (p *Playlists) SetItems(ctx context.Context, id int64, items []Item) ([]ListedItem, error) {
	for i := range items {
		if items[i].Weight == 0 {
			items[i].Weight = DefaultItemWeight
		}
		if w := items[i].Weight; w < 1 || w > MaxWeight {
			return nil, fmt.Errorf("%w: item %d: weight %d: want 1 to %d", ErrInvalid, i+1, w, MaxWeight)
		}
	}
	var out []ListedItem
	err := p.st.Tx(ctx, func(tx *sql.Tx) error {
		pl, err := getPlaylist(ctx, tx, id)
		if err != nil {
			return err
		}
		if pl.RepeatGuard > 0 && pl.RepeatGuard >= len(items) {
			return fmt.Errorf("%w: repeat_guard %d needs more than %d tracks (lower it first)", ErrInvalid, pl.RepeatGuard, pl.RepeatGuard)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM playlist_items WHERE playlist_id = ?`, id); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO playlist_items (playlist_id, pos, track_id, weight)
			SELECT ?, ?, id, ? FROM tracks WHERE id = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, it := range items {
			res, err := stmt.ExecContext(ctx, id, i, it.Weight, it.TrackID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return fmt.Errorf("%w: item %d: no track %d in the library", ErrInvalid, i+1, it.TrackID)
			}
		}
		out, err = listItems(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("playlist %d items: %w", id, err)
	}
	p.changed()
	return out, nil
}

// finished stops a sequential playlist that has played through once.
func (p *Playlists) finished(ctx context.Context, id int64) error {
	_, err := p.SetActive(ctx, id, false)
	return err
}
