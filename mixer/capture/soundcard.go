//go:build portaudio

package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gordonklaus/portaudio"
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

// Run captures until ctx ends, opening the device again after any failure.
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
	if err := paInit(); err != nil {
		return err
	}
	defer paTerminate()
	dev, err := findInput(c.o.Device)
	if err != nil {
		return err
	}
	ch := min(c.o.Channels, dev.MaxInputChannels)
	full := make([]float32, blockFrames*ch)
	buf := full
	stream, rate, err := c.open(dev, ch, &buf)
	if err != nil {
		return err
	}
	defer stream.Close()
	if err := stream.Start(); err != nil {
		return fmt.Errorf("start %q: %w", dev.Name, err)
	}
	defer stream.Abort()
	c.log.Info("mic device opened", "name", dev.Name, "rate", rate, "channels", ch)

	conv := newToStation(rate, c.o.OutRate, ch, c.o.Resampler)
	live := false
	var dropped, overflows int64
	defer func() {
		if live {
			sink.Stop()
		}
		if dropped > 0 || overflows > 0 {
			c.log.Warn("mic audio lost", "dropped_frames", dropped, "overflows", overflows)
		}
	}()
	last := time.Now()
	for ctx.Err() == nil {
		n, err := stream.AvailableToRead()
		if err != nil {
			return fmt.Errorf("read %q: %w", dev.Name, err)
		}
		if n == 0 {
			if time.Since(last) > cardStall {
				return fmt.Errorf("%q delivered nothing for %v", dev.Name, cardStall)
			}
			time.Sleep(cardPoll)
			continue
		}
		buf = full[:min(n, blockFrames)*ch]
		if err := stream.Read(); err != nil {
			if !errors.Is(err, portaudio.InputOverflowed) {
				return fmt.Errorf("read %q: %w", dev.Name, err)
			}
			overflows++
		}
		last = time.Now()
		if !live {
			live = true
			sink.Start()
		}
		// A live device cannot wait: what the sink has no room for is lost.
		out := conv.process(buf)
		dropped += int64(len(out)/2 - min(max(sink.Write(out), 0), len(out)/2))
	}
	return nil
}

// open opens an input stream on dev at the configured rate, or else at the
// device's own rate, which the resampler then converts. Reads fill *buf.
func (c *soundCard) open(dev *portaudio.DeviceInfo, ch int, buf *[]float32) (*portaudio.Stream, int, error) {
	p := portaudio.StreamParameters{
		Input:           portaudio.StreamDeviceParameters{Device: dev, Channels: ch, Latency: dev.DefaultLowInputLatency},
		SampleRate:      float64(c.o.SampleRate),
		FramesPerBuffer: portaudio.FramesPerBufferUnspecified,
	}
	s, err := portaudio.OpenStream(p, buf)
	if err == nil {
		return s, c.o.SampleRate, nil
	}
	own := int(dev.DefaultSampleRate)
	if own == c.o.SampleRate || own < MinRate || own > MaxRate {
		return nil, 0, fmt.Errorf("open %q at %d Hz: %w", dev.Name, c.o.SampleRate, err)
	}
	p.SampleRate = float64(own)
	s, err2 := portaudio.OpenStream(p, buf)
	if err2 != nil {
		return nil, 0, fmt.Errorf("open %q at %d Hz: %w", dev.Name, c.o.SampleRate, err)
	}
	c.log.Info("mic device refused the configured rate; using its own", "configured", c.o.SampleRate, "rate", own)
	return s, own, nil
}
