//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockDir takes the data folder's lock, creating the folder when needed.
// A server holds it while it runs and a restore while it writes, so that
// neither writes under the other. It is flock(2) on LockName: the kernel
// lets go of it when the process ends, however it ends, so a crash
// leaves no stale lock behind. Another holder is ErrLocked.
func LockDir(dir string) (*Lock, error) {
	// Private, as the credentials file made it before the lock came first.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	path := filepath.Join(dir, LockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data folder lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data folder %s: %w%s", dir, ErrLocked, holder(path))
		}
		return nil, fmt.Errorf("data folder lock %s: %w", path, err)
	}
	// The holder's pid, for the message another process gives; the lock
	// is the flock, not the file's content.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// holder names the process that holds the lock at path, when it said.
func holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	pid := strings.TrimSpace(string(b))
	if _, err := strconv.Atoi(pid); err != nil {
		return ""
	}
	return " (pid " + pid + ")"
}

// Close lets go of the lock.
func (l *Lock) Close() error {
	return l.f.Close() // closing the descriptor releases the flock
}
