package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations move the schema forward, one step per entry; the database's
// user_version counts the steps applied. Entries are never edited once
// released: a change is a new entry.
var migrations = []string{
	// 1: the library, playlists and play history.
	`CREATE TABLE tracks (
		id          INTEGER PRIMARY KEY,
		path        TEXT    NOT NULL UNIQUE,
		size        INTEGER NOT NULL,
		mtime_ns    INTEGER NOT NULL,
		format      TEXT    NOT NULL DEFAULT '',
		artist      TEXT    NOT NULL DEFAULT '',
		title       TEXT    NOT NULL DEFAULT '',
		album       TEXT    NOT NULL DEFAULT '',
		duration_ms INTEGER NOT NULL DEFAULT 0,
		sample_rate INTEGER NOT NULL DEFAULT 0,
		bitrate     INTEGER NOT NULL DEFAULT 0,
		error       TEXT    NOT NULL DEFAULT '',
		missing     INTEGER NOT NULL DEFAULT 0,
		added_at    INTEGER NOT NULL
	);
	CREATE INDEX tracks_size ON tracks(size);
	CREATE TABLE playlists (
		id           INTEGER PRIMARY KEY,
		name         TEXT    NOT NULL,
		station      TEXT    NOT NULL,
		mode         TEXT    NOT NULL CHECK (mode IN ('sequential', 'looped', 'weighted', 'shuffle')),
		repeat_guard INTEGER NOT NULL DEFAULT 0 CHECK (repeat_guard >= 0),
		weight       INTEGER NOT NULL DEFAULT 5 CHECK (weight BETWEEN 1 AND 10),
		active       INTEGER NOT NULL DEFAULT 0,
		created_at   INTEGER NOT NULL
	);
	CREATE TABLE playlist_items (
		playlist_id INTEGER NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
		pos         INTEGER NOT NULL,
		track_id    INTEGER NOT NULL REFERENCES tracks(id),
		weight      INTEGER NOT NULL DEFAULT 10 CHECK (weight BETWEEN 1 AND 10),
		PRIMARY KEY (playlist_id, pos)
	);
	CREATE INDEX playlist_items_track ON playlist_items(track_id);
	CREATE TABLE history (
		id          INTEGER PRIMARY KEY,
		station     TEXT    NOT NULL,
		played_at   INTEGER NOT NULL,
		track_id    INTEGER,
		playlist_id INTEGER,
		title       TEXT    NOT NULL,
		artist      TEXT    NOT NULL,
		listeners   INTEGER NOT NULL
	);
	CREATE INDEX history_station_time ON history(station, played_at);`,
	// 2: the talk-over mixer's levels and fade times, per station.
	`CREATE TABLE mixer_settings (
		station        TEXT    PRIMARY KEY,
		music_level    REAL    NOT NULL,
		bg_level       REAL    NOT NULL,
		mic_level      REAL    NOT NULL,
		music_fade_ms  INTEGER NOT NULL,
		mic_fade_ms    INTEGER NOT NULL,
		ptt_on_startup INTEGER NOT NULL
	);`,
	// 3: accounts (admins and DJs) and the console's login sessions.
	`CREATE TABLE accounts (
		id            INTEGER PRIMARY KEY,
		username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
		password_hash TEXT    NOT NULL,
		role          TEXT    NOT NULL CHECK (role IN ('admin', 'dj')),
		created_at    INTEGER NOT NULL,
		updated_at    INTEGER NOT NULL
	);
	CREATE TABLE sessions (
		token_hash TEXT    PRIMARY KEY,
		account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
		csrf       TEXT    NOT NULL,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL
	);
	CREATE INDEX sessions_account ON sessions(account_id);`,
	// 4: banned addresses, and listener counts over time for the console.
	`CREATE TABLE bans (
		prefix     TEXT    PRIMARY KEY,
		reason     TEXT    NOT NULL DEFAULT '',
		created_at INTEGER NOT NULL
	);
	CREATE TABLE listener_samples (
		mount     TEXT    NOT NULL,
		at        INTEGER NOT NULL,
		listeners INTEGER NOT NULL,
		PRIMARY KEY (mount, at)
	);`,
	// 5: server and station settings saved from the console, which win
	// over the config file's: one JSON value per key; scope is '' for the
	// server's keys, else the station's id.
	`CREATE TABLE settings (
		scope      TEXT    NOT NULL,
		key        TEXT    NOT NULL,
		value      TEXT    NOT NULL,
		updated_at INTEGER NOT NULL,
		PRIMARY KEY (scope, key)
	);`,
	// 6: the source password's one home: the one saved from the console
	// (moved here from the settings table) and the one generated on a
	// first start, as bcrypt hashes. A generated one from before lives in
	// the credentials file as salted SHA-256 until its first use.
	`CREATE TABLE source_password (
		origin     TEXT    PRIMARY KEY CHECK (origin IN ('console', 'generated')),
		hash       TEXT    NOT NULL,
		updated_at INTEGER NOT NULL
	);
	INSERT INTO source_password (origin, hash, updated_at)
		SELECT 'console', json_extract(value, '$'), updated_at FROM settings
		WHERE scope = '' AND key = 'source_password_hash' AND json_type(value) = 'text';
	DELETE FROM settings WHERE scope = '' AND key = 'source_password_hash';`,
	// 7: each track's loudness: integrated loudness in LUFS and true peak
	// in dBTP, NULL until known, and where they came from: '' (not
	// known), 'tag' (ReplayGain or R128 tags), 'measured' (our meter), or
	// 'failed' (the measurement could not decode the file).
	`ALTER TABLE tracks ADD COLUMN loudness_lufs REAL;
	ALTER TABLE tracks ADD COLUMN true_peak_dbtp REAL;
	ALTER TABLE tracks ADD COLUMN loudness_source TEXT NOT NULL DEFAULT '';`,
}

// migrate applies the migrations the database has not seen yet, each in
// its own transaction with the version bump, so a crash leaves either the
// old schema or the new one.
func (s *Store) migrate(ctx context.Context) error {
	var version int
	if err := s.DB.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("the database is from a newer OnAir (schema %d, this one knows %d)", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		err := s.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate schema to %d: %w", v+1, err)
		}
	}
	return nil
}

// Version is the schema version the database is at.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v int
	err := s.DB.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
