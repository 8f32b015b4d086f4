// Package fileops holds the file handling the library's uploads and the
// backups share: a reader that stops when its context ends, and syncing a
// folder so that a name added or removed in it survives a power cut.
package fileops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// Reader reads R until Ctx ends (a client gone, a shutdown, Ctrl-C).
type Reader struct {
	Ctx context.Context
	R   io.Reader
}

func (r Reader) Read(p []byte) (int, error) {
	if err := r.Ctx.Err(); err != nil {
		return 0, err
	}
	return r.R.Read(p)
}

// SyncDir fsyncs dir, so that a rename or link into it is durable. Some
// file systems cannot sync a folder; there the rename stands as it is.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
