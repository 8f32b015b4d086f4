package backup

import "errors"

// Errors of backup and restore, wrapped with the file they are about.
var (
	// ErrExists refuses to replace a backup file, a database or a config
	// file without Force.
	ErrExists = errors.New("already exists")
	// ErrNotBackup is a file that is not an OnAir backup, or a damaged one.
	ErrNotBackup = errors.New("not an OnAir backup")
)
