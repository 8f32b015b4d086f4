package capture

import (
	"context"
	"fmt"
	"log/slog"

	"onair/dsp/resample"
)

// Backends accepted in Options.Backend.
const (
	BackendNone      = "none"
	BackendPipe      = "pipe"
	BackendPortAudio = "portaudio"
	BackendBrowser   = "browser"
)

// Rates accepted for the input and the station, in Hz.
const (
	MinRate = 8000
	MaxRate = 192000
)

// Sink takes captured audio for the mixer's mic channel. One backend writes
// to it from one goroutine.
type Sink interface {
	// Start says a new take begins (a writer attached, a device opened):
	// the sink refills its buffer before it plays.
	Start()
	// Write takes interleaved stereo float32 at the station rate and
	// returns the whole frames it accepted, fewer when it is full. It
	// never blocks.
	Write(pcm []float32) int
	// Stop says the input went away: the mic reads as silence.
	Stop()
}

// Backend is a running source of microphone audio.
type Backend interface {
	// Run captures into sink until ctx ends, then returns nil. Input
	// problems are logged and retried, not returned.
	Run(ctx context.Context, sink Sink) error
	// String describes the input for logs.
	String() string
}

// Options configure a microphone input; they mirror a station's mic
// settings plus the station's rate.
type Options struct {
	// Backend is one of none, pipe, portaudio, browser; "" means none.
	Backend string
	// Path is the file or FIFO of raw s16le PCM the pipe backend reads.
	Path string
	// Device is the PortAudio input device's name, matched exactly or
	// else as a case-insensitive part of it; "" means the default input.
	Device string
	// SampleRate is the input's rate in Hz.
	SampleRate int
	// Channels is the input's channel count, 1 or 2.
	Channels int
	// OutRate is the station's rate in Hz.
	OutRate int
	// Resampler is the filter that brings the input to OutRate when the
	// rates differ; the zero value is resample.Best.
	Resampler resample.Quality
}

// New returns the backend o asks for: nil and no error for none. The
// browser backend is a *[Browser]; it ignores the input's rate and
// channels, which each page states.
func New(o Options, log *slog.Logger) (Backend, error) {
	switch o.Backend {
	case "", BackendNone:
		return nil, nil
	case BackendPipe, BackendPortAudio, BackendBrowser:
	default:
		return nil, fmt.Errorf("mic: 'backend' must be one of none, pipe, portaudio, browser; got %q", o.Backend)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "mic", "backend", o.Backend)
	if o.Backend == BackendBrowser {
		return newBrowser(o.OutRate, o.Resampler, log), nil
	}
	if o.Backend == BackendPipe {
		return newPipe(o, log), nil
	}
	b, err := newPortAudio(o, log)
	if err != nil {
		return nil, fmt.Errorf("mic: %w", err)
	}
	return b, nil
}

// validate checks the settings every capturing backend needs.
func (o Options) validate() error {
	if o.Backend == BackendPipe && o.Path == "" {
		return fmt.Errorf("mic: the pipe backend needs a 'path' (a file or FIFO of raw s16le PCM)")
	}
	if o.Backend == BackendBrowser {
		return o.validateOutRate()
	}
	if o.SampleRate < MinRate || o.SampleRate > MaxRate {
		return fmt.Errorf("mic: 'sample_rate' must be %d…%d Hz, got %d", MinRate, MaxRate, o.SampleRate)
	}
	if o.Channels < 1 || o.Channels > 2 {
		return fmt.Errorf("mic: 'channels' must be 1 or 2, got %d", o.Channels)
	}
	return o.validateOutRate()
}

func (o Options) validateOutRate() error {
	if o.OutRate < MinRate || o.OutRate > MaxRate {
		return fmt.Errorf("mic: the station rate must be %d…%d Hz, got %d", MinRate, MaxRate, o.OutRate)
	}
	return nil
}

// channelsName names a channel count for logs.
func channelsName(ch int) string {
	if ch == 1 {
		return "mono"
	}
	return "stereo"
}
