//go:build !linux

package testenv

import "time"

// ThreadCPU cannot read a thread's CPU time here.
func ThreadCPU() (time.Duration, bool) { return 0, false }
