package store

import "os"

// LockName is the lock file in the data folder (see LockDir).
const LockName = "onair.lock"

// Lock is the data folder's lock, held until Close.
type Lock struct {
	f *os.File
}
