// Package backup writes and restores the backup of an OnAir server: one
// gzip-compressed tar file holding a manifest, a consistent snapshot of
// the store, the config file and the credentials file of the data
// folder. A backup is taken while the server runs; a restore checks the
// whole file before it writes anything, and only on a stopped server
// (the data folder's lock says which). The music folders are not in it.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"onair/credentials"
	"onair/internal/fileops"
	"onair/store"
)

// Names inside the archive, in the order they are written. The database
// comes last, so that a restore knows from the smaller files where it
// goes before it reads the big one.
const (
	ManifestName = "onair-backup.json"
	ConfigName   = "onair.yaml"
)

// format is the archive layout's version, in the manifest.
const format = 1

// Manifest says what the archive holds and where it came from.
type Manifest struct {
	Format     int       `json:"format"`
	Version    string    `json:"onair_version"`
	CreatedAt  time.Time `json:"created_at"`
	Schema     int       `json:"schema"`      // the database's schema version
	DataDir    string    `json:"data_dir"`    // the data folder it was taken from
	ConfigPath string    `json:"config_path"` // the config file it was taken from; "" = none (built-in defaults)
	Files      []string  `json:"files"`       // the entries after the manifest
}

// Options say what to back up.
type Options struct {
	DataDir    string
	ConfigPath string // "" when the server runs without a config file
	Version    string // OnAir's, for the manifest
	Force      bool   // replace an existing file
}

// Write writes the backup to file. The file appears complete or not at
// all: it is written beside its final name and renamed, and removed when
// anything fails (a full disk included). Without Force an existing file
// is ErrExists.
func Write(ctx context.Context, file string, o Options) (Manifest, error) {
	if !o.Force {
		if _, err := os.Lstat(file); err == nil {
			return Manifest{}, fmt.Errorf("%s: %w (-force replaces it)", file, ErrExists)
		}
	}
	// The snapshot is as big as the database: it goes beside the backup,
	// where the user chose to have room, not in a small /tmp.
	work, err := os.MkdirTemp(filepath.Dir(file), ".onair-backup-*")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer func() { _ = os.RemoveAll(work) }() // copies only; a leftover is harmless

	snap := filepath.Join(work, store.FileName)
	if err := store.Snapshot(ctx, o.DataDir, snap); err != nil {
		return Manifest{}, err
	}
	// A backup that would not restore is found now, not on the day it
	// is needed.
	schema, err := store.Check(ctx, snap)
	if err != nil {
		return Manifest{}, err
	}
	m := Manifest{Format: format, Version: o.Version, CreatedAt: time.Now().UTC().Truncate(time.Second),
		Schema: schema, DataDir: absPath(o.DataDir), ConfigPath: absPath(o.ConfigPath)}
	var small []entry
	if o.ConfigPath != "" {
		data, err := os.ReadFile(o.ConfigPath)
		if err != nil {
			return Manifest{}, fmt.Errorf("backup: %w", err)
		}
		small = append(small, entry{ConfigName, data})
	}
	creds, err := os.ReadFile(filepath.Join(o.DataDir, credentials.FileName))
	switch {
	case err == nil:
		small = append(small, entry{credentials.FileName, creds})
	case !errors.Is(err, fs.ErrNotExist):
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	for _, e := range small {
		m.Files = append(m.Files, e.name)
	}
	m.Files = append(m.Files, store.FileName)

	tmp := filepath.Join(work, "backup.tar.gz")
	if err := writeArchive(ctx, tmp, m, small, snap); err != nil {
		return Manifest{}, err
	}
	if err := place(tmp, file, o.Force); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// entry is a small file of the archive, held in memory.
type entry struct {
	name string
	data []byte
}

// writeArchive writes the manifest, the small files and the database to
// path, synced to disk.
func writeArchive(ctx context.Context, path string, m Manifest, small []entry, db string) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // it holds password hashes
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("backup: %w", cerr)
		}
	}()
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	man, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	for _, e := range append([]entry{{ManifestName, append(man, '\n')}}, small...) {
		if err := tw.WriteHeader(header(e.name, int64(len(e.data)), m.CreatedAt)); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	if err := addFile(ctx, tw, db, m.CreatedAt); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

func header(name string, size int64, at time.Time) *tar.Header {
	return &tar.Header{Name: name, Size: size, Mode: 0o600, ModTime: at, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
}

// addFile adds the file at path as the database entry, giving up when
// ctx ends (Ctrl-C on a big database).
func addFile(ctx context.Context, tw *tar.Writer, path string, at time.Time) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tw.WriteHeader(header(store.FileName, fi.Size(), at)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := io.Copy(tw, fileops.Reader{Ctx: ctx, R: f}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// place moves tmp to file. Without force it links, which fails if file
// appeared meanwhile, where a rename would replace it; on a file system
// without hard links (a FAT USB stick) it checks, then renames.
func place(tmp, file string, force bool) error {
	if !force {
		err := os.Link(tmp, file)
		if err == nil {
			return fileops.SyncDir(filepath.Dir(file))
		}
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w (-force replaces it)", file, ErrExists)
		}
		if _, err := os.Lstat(file); err == nil {
			return fmt.Errorf("%s: %w (-force replaces it)", file, ErrExists)
		}
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return fileops.SyncDir(filepath.Dir(file))
}

// absPath is path made absolute for the manifest, where a path relative to
// the folder the backup was taken in would tell nothing later.
func absPath(path string) string {
	if path == "" {
		return ""
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}
