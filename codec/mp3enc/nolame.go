//go:build nolame

package mp3enc

import "errors"

// lameSupported tells whether this build can load LAME at all.
const lameSupported = false

// lameHint is the fix for a LAME that does not load.
const lameHint = "build without -tags nolame and " + lameInstall

// lameLib stands for a loaded libmp3lame; a nolame build never has one.
type lameLib struct{}

// loadLAME always fails: this build leaves LAME out.
func loadLAME(string) (*lameLib, error) {
	return nil, errors.New("this binary was built without LAME (-tags nolame)")
}

// newLAME is never called: loadLAME never succeeds.
func newLAME(*lameLib, Options) (Encoder, error) { return nil, ErrNoLAME }
