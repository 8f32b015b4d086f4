package startup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"onair/accounts"
	"onair/backup"
	"onair/config"
	"onair/store"
)

// Backup writes a backup of cfg's data folder and of the config file at
// configPath ("" = the server runs on built-in defaults) to file, while
// the server runs or not. force replaces an existing file.
func Backup(ctx context.Context, cfg config.Config, configPath, file, version string, force bool) (backup.Manifest, error) {
	return backup.Write(ctx, file, backup.Options{DataDir: cfg.DataDir, ConfigPath: configPath, Version: version, Force: force})
}

// Restore puts the backup in file back on a stopped server (see
// backup.Restore).
func Restore(ctx context.Context, file string, opts backup.RestoreOptions) (backup.Restored, error) {
	return backup.Restore(ctx, file, opts)
}

// SetPassword sets the password of user's account in cfg's data folder,
// while the server runs or not (SQLite serialises the two writers), and
// ends the account's sessions. A user without an account is created with
// createRole ("admin" or "dj"); createRole "" refuses instead. It reports
// whether it created the account.
func SetPassword(ctx context.Context, cfg config.Config, user, password, createRole string) (bool, error) {
	// Only -create may make a database: a mistyped data folder should
	// not quietly get a new, empty one.
	if _, err := os.Stat(filepath.Join(cfg.DataDir, store.FileName)); errors.Is(err, fs.ErrNotExist) && createRole == "" {
		return false, fmt.Errorf("data folder %s: %w (is data_dir right? -create makes the account in a new one)", cfg.DataDir, store.ErrNoDatabase)
	}
	db, err := store.Open(ctx, cfg.DataDir)
	if err != nil {
		return false, err
	}
	// Not db.Close: its checkpoint would wait on a running server's
	// readers for nothing; the server checkpoints the change itself.
	defer func() { _ = db.DB.Close() }() // the change is committed already
	accts := accounts.New(db)
	_, err = accts.SetPassword(ctx, user, password)
	if !errors.Is(err, accounts.ErrNotFound) || createRole == "" {
		if errors.Is(err, accounts.ErrNotFound) {
			return false, fmt.Errorf("%w (-create -role admin|dj makes it)", err)
		}
		return false, err
	}
	if _, err := accts.Create(ctx, user, password, accounts.Role(createRole)); err != nil {
		return false, err
	}
	return true, nil
}
