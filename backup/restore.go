package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"onair/config"
	"onair/credentials"
	"onair/internal/fileops"
	"onair/store"
)

// maxSmall bounds the manifest, config and credentials entries, which
// are read into memory.
const maxSmall = 4 << 20

// RestoreOptions say where a backup goes.
type RestoreOptions struct {
	// ConfigPath is where the backup's config file is written; "" writes
	// it nowhere. The data folder is the data_dir of the backup's config
	// (else of the file at ConfigPath, else the built-in default), with
	// the environment over it as for the server.
	ConfigPath string
	Getenv     func(string) string // nil is os.Getenv
	Force      bool                // replace an existing database and config file
}

// Restored says what a restore did.
type Restored struct {
	Manifest Manifest
	DataDir  string
	// ConfigWritten is where the config was written; "" when it was not
	// (the backup has none, or no ConfigPath was given).
	ConfigWritten string
}

// Restore puts the backup in file back. It reads and checks the whole
// backup first (the database opens and passes SQLite's integrity check,
// the config is valid), then takes the data folder's lock, so it refuses
// a running server and no server starts while it writes; only then it
// replaces the files, each written beside its place and renamed.
func Restore(ctx context.Context, file string, o RestoreOptions) (Restored, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	f, err := os.Open(file)
	if err != nil {
		return Restored{}, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return Restored{}, fmt.Errorf("%s: %w: %v", file, ErrNotBackup, err)
	}
	tr := tar.NewReader(zr)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s", file, ErrNotBackup, fmt.Sprintf(format, args...))
	}

	// The manifest, then the small files, up to the database.
	small := map[string][]byte{}
	var m Manifest
	var dbHeader *tar.Header
	for dbHeader == nil {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return Restored{}, bad("it holds no database")
		}
		if err != nil {
			return Restored{}, bad("%v", err)
		}
		if h.Typeflag != tar.TypeReg {
			return Restored{}, bad("unexpected entry %q", h.Name)
		}
		if len(small) == 0 && m.Format == 0 && h.Name != ManifestName {
			return Restored{}, bad("it does not begin with %s", ManifestName)
		}
		switch h.Name {
		case store.FileName:
			dbHeader = h
			continue
		case ManifestName, ConfigName, credentials.FileName:
		default:
			return Restored{}, bad("unexpected entry %q", h.Name)
		}
		if _, dup := small[h.Name]; dup || h.Size > maxSmall {
			return Restored{}, bad("entry %q repeated or too big", h.Name)
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxSmall))
		if err != nil {
			return Restored{}, bad("%v", err)
		}
		small[h.Name] = data
		if h.Name == ManifestName {
			if err := json.Unmarshal(data, &m); err != nil {
				return Restored{}, bad("manifest: %v", err)
			}
			if m.Format != format {
				return Restored{}, bad("backup format %d; this OnAir reads format %d", m.Format, format)
			}
		}
	}
	if creds, ok := small[credentials.FileName]; ok && !json.Valid(creds) {
		return Restored{}, bad("%s is not JSON", credentials.FileName)
	}

	cfg, err := restoredConfig(file, small[ConfigName], o)
	if err != nil {
		return Restored{}, err
	}
	out := Restored{Manifest: m, DataDir: cfg.DataDir}
	cfgData, hasConfig := small[ConfigName]
	writeConfig := hasConfig && o.ConfigPath != ""
	if writeConfig {
		old, err := os.ReadFile(o.ConfigPath)
		switch {
		case err == nil && bytes.Equal(old, cfgData):
			writeConfig = false // already in place
		case err == nil && !o.Force:
			return out, fmt.Errorf("%s: %w and differs from the backup's (-force replaces it)", o.ConfigPath, ErrExists)
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return out, fmt.Errorf("restore: %w", err)
		}
		out.ConfigWritten = o.ConfigPath
	}

	lock, err := store.LockDir(cfg.DataDir)
	if errors.Is(err, store.ErrLocked) {
		return out, fmt.Errorf("%w: stop it first", err)
	}
	if err != nil {
		return out, err
	}
	defer func() { _ = lock.Close() }() // closing releases it; nothing to report
	dbPath := filepath.Join(cfg.DataDir, store.FileName)
	if _, err := os.Stat(dbPath); err == nil && !o.Force {
		return out, fmt.Errorf("%s: %w (-force replaces it)", dbPath, ErrExists)
	}

	// Everything is written beside its place first, then renamed.
	work, err := os.MkdirTemp(cfg.DataDir, ".onair-restore-*")
	if err != nil {
		return out, fmt.Errorf("restore: %w", err)
	}
	defer func() { _ = os.RemoveAll(work) }() // copies only; a leftover is harmless
	newDB := filepath.Join(work, store.FileName)
	if err := copyEntry(tr, dbHeader, newDB); err != nil {
		return out, bad("%v", err)
	}
	if _, err := tr.Next(); !errors.Is(err, io.EOF) {
		return out, bad("entries after the database")
	}
	if _, err := store.Check(ctx, newDB); err != nil {
		return out, fmt.Errorf("%s: %w: %v", file, ErrNotBackup, err)
	}
	var newCreds, newConfig string
	if creds, ok := small[credentials.FileName]; ok {
		newCreds = filepath.Join(work, credentials.FileName)
		if err := writeSynced(newCreds, creds, 0o600); err != nil {
			return out, err
		}
	}
	if writeConfig {
		if newConfig, err = stageConfig(o.ConfigPath, cfgData); err != nil {
			return out, err
		}
		defer os.Remove(newConfig) // gone once renamed
	}

	if err := install(cfg.DataDir, newDB, newCreds); err != nil {
		return out, err
	}
	if newConfig != "" {
		if err := os.Rename(newConfig, o.ConfigPath); err != nil {
			return out, fmt.Errorf("restore the config: %w", err)
		}
		if err := fileops.SyncDir(filepath.Dir(o.ConfigPath)); err != nil {
			return out, err
		}
	}
	return out, nil
}

// restoredConfig is the configuration the server will run with after the
// restore: the backup's config file, else the one at o.ConfigPath, else
// the defaults; the environment over it.
func restoredConfig(file string, data []byte, o RestoreOptions) (config.Config, error) {
	cfg := config.Default()
	var err error
	switch {
	case data != nil:
		if cfg, err = config.Parse(file+":"+ConfigName, data); err != nil {
			return cfg, fmt.Errorf("the backup's config: %w", err)
		}
	case o.ConfigPath != "":
		if _, statErr := os.Stat(o.ConfigPath); statErr == nil {
			if cfg, err = config.Load(o.ConfigPath); err != nil {
				return cfg, err
			}
		}
	}
	cfg.ApplyEnv(o.Getenv)
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("configuration (after environment overrides): %w", err)
	}
	return cfg, nil
}

// install moves the new database (and credentials file) into the data
// folder dir, owned as the folder is.
func install(dir, newDB, newCreds string) error {
	dbPath := filepath.Join(dir, store.FileName)
	// The old database's write-ahead log would be replayed into the new
	// one: it goes first.
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	credsPath := filepath.Join(dir, credentials.FileName)
	moves := [][2]string{{newDB, dbPath}}
	if newCreds != "" {
		moves = append(moves, [2]string{newCreds, credsPath})
	} else if err := os.Remove(credsPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		// The backup's server had none: one left here would not be its.
		return fmt.Errorf("restore: %w", err)
	}
	for _, mv := range moves {
		chownLike(mv[0], dir)
		if err := os.Rename(mv[0], mv[1]); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	return fileops.SyncDir(dir)
}

// copyEntry writes the tar entry h to path, synced.
func copyEntry(tr *tar.Reader, h *tar.Header, path string) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	// tar's reader stops at the entry's size: CopyN says when it is short.
	if _, err := io.CopyN(f, tr, h.Size); err != nil {
		return err
	}
	return f.Sync()
}

// writeSynced writes data to a new file at path and syncs it.
func writeSynced(path string, data []byte, perm os.FileMode) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("restore: %w", cerr)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

// stageConfig writes the config beside path, with the mode and owner of
// the file it replaces (a new one is private: it may hold passwords), and
// returns the temporary file's name.
func stageConfig(path string, data []byte) (name string, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".onair-restore-*.yaml") // mode 0600
	if err != nil {
		return "", fmt.Errorf("restore the config: %w", err)
	}
	name = tmp.Name()
	defer func() {
		if cerr := tmp.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("restore the config: %w", cerr)
		}
		if err != nil {
			os.Remove(name)
		}
	}()
	if fi, err := os.Stat(path); err == nil {
		if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
			return "", fmt.Errorf("restore the config: %w", err)
		}
		chownLike(name, path)
	}
	if _, err := tmp.Write(data); err != nil {
		return "", fmt.Errorf("restore the config: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("restore the config: %w", err)
	}
	return name, nil
}
