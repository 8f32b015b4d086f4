//go:build !(linux && (amd64 || arm64 || arm))

package capture

import (
	"fmt"
	"log/slog"
	"runtime"
)

// errPortAudioPlatform is why this build has no sound card.
var errPortAudioPlatform = fmt.Errorf("%w: loading it is supported on linux/amd64, arm64 and arm, not %s/%s",
	ErrNoPortAudio, runtime.GOOS, runtime.GOARCH)

// Devices lists the sound card inputs; this build cannot load PortAudio.
func Devices() ([]Device, error) { return nil, errPortAudioPlatform }

func newPortAudio(Options, *slog.Logger) (Backend, error) { return nil, errPortAudioPlatform }
