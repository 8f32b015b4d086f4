//go:build linux && (amd64 || arm64 || arm)

package capture

import (
	"context"
	"fmt"
	"log/slog"
	"onair/dsp/resample"
	"time"
)

// Timings of the portaudio backend.
const (
	// cardRetry is the wait before a missing or failed device is tried
	// again.
	cardRetry = 3 * time.Second
	// cardPoll is how often the stream is asked for new frames; reading
	// only what is there keeps every call short, so cancellation is quick.
	cardPoll = 5 * time.Millisecond
	// cardStall is how long a running stream may deliver nothing before
	// the device is taken for lost (unplugged cards can go quiet rather
	// than fail).
	cardStall = 2 * time.Second
	// cardLead and cardDrift bound how far reads may run ahead of the
	// clock: a sound card's own clock is within a fraction of this of
	// the system's, but a PCM without a clock (ALSA's null or file
	// plugins) has everything ready at once, and reading it all would
	// spin the loop and flood the mic channel.
	cardLead  = 200 * time.Millisecond
	cardDrift = 0.002
)

// soundCard captures from a PortAudio input device.
type soundCard struct {
	o   Options
	log *slog.Logger
}

func newPortAudio(o Options, log *slog.Logger) (Backend, error) {
	return &soundCard{o: o, log: log.With("device", o.Device)}, nil
}

// String describes the input.
func (c *soundCard) String() string {
	name := c.o.Device
	if name == "" {
		name = "default input"
	}
	return fmt.Sprintf("portaudio %q (%d Hz %s)", name, c.o.SampleRate, channelsName(c.o.Channels))
}

// Run captures until ctx ends, opening the device again after any
// failure, a missing PortAudio library included.
func (c *soundCard) Run(ctx context.Context, sink Sink) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	lastErr := ""
	for {
		err := c.capture(ctx, sink)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil && err.Error() != lastErr {
			lastErr = err.Error()
			c.log.Warn("mic device unavailable; the mic is silent, retrying", "err", err, "retry", cardRetry)
		}
		timer.Reset(cardRetry)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// capture runs one PortAudio session: open the device, read until ctx ends
// or the device fails.
func (c *soundCard) capture(ctx context.Context, sink Sink) error {
	lib, err := loadPortAudio()
	if err != nil {
		return err
	}
	if err := lib.begin(); err != nil {
		return err
	}
	defer lib.end()
	dev, err := lib.findInput(c.o.Device)
	if err != nil {
		return err
	}
	ch := min(c.o.Channels, dev.Inputs)
	s, rate, err := c.open(lib, dev, ch)
	if err != nil {
		return err
	}
	defer s.close()
	if err := s.start(); err != nil {
		return err
	}
	c.log.Info("mic device opened", "name", dev.Name, "rate", rate, "channels", ch, "library", lib.version)
	r := newCardReader(s, rate, c.o.OutRate, c.o.Resampler, sink)
	defer func() {
		if r.live {
			sink.Stop()
		}
		if r.dropped > 0 || r.overflows > 0 {
			c.log.Warn("mic audio lost", "dropped_frames", r.dropped, "overflows", r.overflows)
		}
	}()
	for ctx.Err() == nil {
		got, err := r.step(time.Now())
		if err != nil {
			return err
		}
		if !got {
			time.Sleep(cardPoll)
		}
	}
	return nil
}

// open opens an input stream on dev at the configured rate, or else at the
// device's own rate, which the resampler then converts.
func (c *soundCard) open(lib *paLib, dev paInput, ch int) (*paStream, int, error) {
	s, err := lib.openStream(dev, ch, c.o.SampleRate)
	if err == nil {
		return s, c.o.SampleRate, nil
	}
	own := int(dev.DefaultRate)
	if own == c.o.SampleRate || own < MinRate || own > MaxRate {
		return nil, 0, err
	}
	s, err2 := lib.openStream(dev, ch, own)
	if err2 != nil {
		return nil, 0, err
	}
	c.log.Info("mic device refused the configured rate; using its own", "configured", c.o.SampleRate, "rate", own)
	return s, own, nil
}

// cardReader moves audio from an open stream to the sink, a block per
// step; a step costs no allocation.
type cardReader struct {
	s     *paStream
	rate  int
	conv  *toStation
	sink  Sink
	start time.Time // of the first step
	last  time.Time // when the device last had audio
	read  int64     // frames read

	live               bool // the sink was started
	dropped, overflows int64
}

func newCardReader(s *paStream, rate, outRate int, q resample.Quality, sink Sink) *cardReader {
	return &cardReader{s: s, rate: rate, conv: newToStation(rate, outRate, s.ch, q), sink: sink}
}

// step reads what the device has, up to a block, unless that would take
// the reads further ahead of the clock than cardLead, and hands it to the
// sink. It tells whether
// it read anything; an error is a device to give up on.
func (r *cardReader) step(now time.Time) (bool, error) {
	if r.start.IsZero() {
		r.start, r.last = now, now
	}
	n, err := r.s.available()
	if err != nil {
		return false, err
	}
	if n == 0 {
		if now.Sub(r.last) > cardStall {
			return false, fmt.Errorf("%q delivered nothing for %v", r.s.name, cardStall)
		}
		return false, nil
	}
	r.last = now
	// What is there is read whole or not yet: ALSA's file plugin reads
	// its file for all the frames available and loses those a read
	// leaves behind.
	n = min(n, blockFrames)
	ahead := (now.Sub(r.start) + cardLead).Seconds() * float64(r.rate) * (1 + cardDrift)
	if int64(ahead)-r.read < int64(n) {
		return false, nil
	}
	pcm, overflowed, err := r.s.read(n)
	if err != nil {
		return false, err
	}
	if overflowed {
		r.overflows++
	}
	r.read += int64(n)
	if !r.live {
		r.live = true
		r.sink.Start()
	}
	// A live device cannot wait: what the sink has no room for is lost.
	out := r.conv.process(pcm)
	r.dropped += int64(len(out)/2 - min(max(r.sink.Write(out), 0), len(out)/2))
	return true, nil
}
