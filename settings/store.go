package settings

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"onair/store"
)

// Store keeps the settings saved from the console in the store's
// settings table, one JSON value per key.
type Store struct{ db *store.Store }

// NewStore keeps the settings in db.
func NewStore(db *store.Store) *Store { return &Store{db: db} }

// Saved are the settings saved from the console. A nil field, or a
// station that is not in Stations, means nothing was saved: the config
// file's value (or the environment's, or the built-in default) holds.
type Saved struct {
	MaxListeners        *int
	MaxBandwidthKbps    *int
	MaxConnectionsPerIP *int
	// Stations are by station id. A station no longer configured keeps
	// its entry, in case it comes back.
	Stations map[string]SavedStation
}

// SavedStation are one station's settings saved from the console.
type SavedStation struct {
	Name        *string
	Description *string
	Genre       *string
	URL         *string
	MediaDirs   *[]string
}

// The keys of the settings table. The server's have scope ""; a
// station's have its id.
const (
	keyMaxListeners        = "max_listeners"
	keyMaxBandwidthKbps    = "max_bandwidth_kbps"
	keyMaxConnectionsPerIP = "max_connections_per_ip"
	keyName                = "name"
	keyDescription         = "description"
	keyGenre               = "genre"
	keyURL                 = "url"
	keyMediaDirs           = "media_dirs"
)

// Load reads what was saved. Keys this version does not know (saved by a
// newer one) are left alone.
func (s *Store) Load(ctx context.Context) (Saved, error) {
	sv := Saved{Stations: map[string]SavedStation{}}
	rows, err := s.db.DB.QueryContext(ctx, `SELECT scope, key, value FROM settings`)
	if err != nil {
		return sv, fmt.Errorf("load settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var scope, key, value string
		if err := rows.Scan(&scope, &key, &value); err != nil {
			return sv, fmt.Errorf("load settings: %w", err)
		}
		if err := sv.load(scope, key, []byte(value)); err != nil {
			return sv, fmt.Errorf("load setting %q of %q: %w", key, scope, err)
		}
	}
	if err := rows.Err(); err != nil {
		return sv, fmt.Errorf("load settings: %w", err)
	}
	return sv, nil
}

// load decodes one row into sv.
func (sv *Saved) load(scope, key string, value []byte) error {
	if scope == "" {
		switch key {
		case keyMaxListeners:
			return decode(value, &sv.MaxListeners)
		case keyMaxBandwidthKbps:
			return decode(value, &sv.MaxBandwidthKbps)
		case keyMaxConnectionsPerIP:
			return decode(value, &sv.MaxConnectionsPerIP)
		}
		return nil
	}
	st := sv.Stations[scope]
	var err error
	switch key {
	case keyName:
		err = decode(value, &st.Name)
	case keyDescription:
		err = decode(value, &st.Description)
	case keyGenre:
		err = decode(value, &st.Genre)
	case keyURL:
		err = decode(value, &st.URL)
	case keyMediaDirs:
		err = decode(value, &st.MediaDirs)
	default:
		return nil
	}
	sv.Stations[scope] = st
	return err
}

func decode[T any](value []byte, dst **T) error {
	var v T
	if err := json.Unmarshal(value, &v); err != nil {
		return err
	}
	*dst = &v
	return nil
}

// row is one key of the settings table and its value.
type row struct {
	scope, key string
	value      any
}

// rows lists the keys sv sets, with their values.
func (sv Saved) rows() []row {
	var out []row
	add := func(scope, key string, set bool, value any) {
		if set {
			out = append(out, row{scope, key, value})
		}
	}
	add("", keyMaxListeners, sv.MaxListeners != nil, sv.MaxListeners)
	add("", keyMaxBandwidthKbps, sv.MaxBandwidthKbps != nil, sv.MaxBandwidthKbps)
	add("", keyMaxConnectionsPerIP, sv.MaxConnectionsPerIP != nil, sv.MaxConnectionsPerIP)
	for id, st := range sv.Stations {
		add(id, keyName, st.Name != nil, st.Name)
		add(id, keyDescription, st.Description != nil, st.Description)
		add(id, keyGenre, st.Genre != nil, st.Genre)
		add(id, keyURL, st.URL != nil, st.URL)
		add(id, keyMediaDirs, st.MediaDirs != nil, st.MediaDirs)
	}
	return out
}

// Replace makes sv what is saved, in one transaction: keys it does not
// set are removed.
func (s *Store) Replace(ctx context.Context, sv Saved) error {
	now := time.Now().UnixMilli()
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings`); err != nil {
			return err
		}
		for _, r := range sv.rows() {
			b, err := json.Marshal(r.value)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (scope, key, value, updated_at) VALUES (?, ?, ?, ?)`,
				r.scope, r.key, string(b), now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}
