package store

import "errors"

// Errors the store returns, wrapped with the data folder or file.
var (
	// ErrLocked is a data folder whose lock another process holds: a
	// server runs on it, or a restore does.
	ErrLocked = errors.New("in use by a running OnAir")
	// ErrNoDatabase is a data folder without a database to copy.
	ErrNoDatabase = errors.New("no database")
)
