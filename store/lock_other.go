//go:build !unix

package store

import (
	"fmt"
	"os"
)

// LockDir creates the data folder when needed. Without flock(2) it takes
// no lock: nothing stops a restore under a running server here.
func LockDir(dir string) (*Lock, error) {
	// Private, as the credentials file made it before the lock came first.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	return &Lock{}, nil
}

// Close does nothing.
func (l *Lock) Close() error { return nil }
