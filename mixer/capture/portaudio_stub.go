//go:build !portaudio

package capture

import "log/slog"

// Devices lists the sound card inputs; this build has no PortAudio, so it
// returns ErrNoPortAudio.
func Devices() ([]Device, error) { return nil, ErrNoPortAudio }

func newPortAudio(Options, *slog.Logger) (Backend, error) { return nil, ErrNoPortAudio }
