//go:build !unix

package playlist

import "time"

// cpuTime is unknown here.
func cpuTime() time.Duration { return 0 }
