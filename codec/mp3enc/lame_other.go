//go:build !nolame && !(linux && (386 || amd64 || arm || arm64 || loong64 || riscv64))

package mp3enc

import (
	"fmt"
	"runtime"
)

// lameSupported tells whether this build can load LAME at all.
const lameSupported = false

// lameHint is the fix for a LAME that does not load.
const lameHint = "run a linux/amd64, arm64 or arm build with " + lameInstall

// lameLib stands for a loaded libmp3lame; it is never loaded here.
type lameLib struct{}

// loadLAME always fails: LAME is loaded only on Linux, where purego calls C
// without cgo.
func loadLAME(string) (*lameLib, error) {
	return nil, fmt.Errorf("loading LAME is not supported on %s/%s", runtime.GOOS, runtime.GOARCH)
}

// newLAME is never called: loadLAME never succeeds.
func newLAME(*lameLib, Options) (Encoder, error) { return nil, ErrNoLAME }
