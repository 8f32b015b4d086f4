//go:build unix

package library

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user and system) the test process has used: a
// measure that other programs running on the machine do not inflate.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
