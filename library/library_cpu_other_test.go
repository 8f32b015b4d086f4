//go:build !unix

package library

import "time"

// cpuTime is unknown here.
func cpuTime() time.Duration { return 0 }
