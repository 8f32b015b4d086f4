package capture

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"

	"onair/dsp/resample"
)

// Browser is the browser backend: the microphone of a web page, whose
// audio reaches the server over the network (the station serves the
// WebSocket). One page holds it at a time. Run ties it to the station:
// pages are taken only while Run runs, and the page holding the mic when
// Run's context ends is let go before Run returns.
type Browser struct {
	outRate int
	q       resample.Quality // the filter for a page at another rate
	log     *slog.Logger

	mu   sync.Mutex
	sink Sink            // nil unless Run runs
	ctx  context.Context // Run's
	page *BrowserPage    // the page holding the mic, nil if none
}

func newBrowser(outRate int, q resample.Quality, log *slog.Logger) *Browser {
	return &Browser{outRate: outRate, q: q, log: log}
}

// String describes the input.
func (b *Browser) String() string { return "browser page (WebSocket)" }

// Run lends sink to the pages that claim the mic until ctx ends, then
// waits for the page holding it, whose context ends with ctx, to let it
// go. Run must not be called again while it runs.
func (b *Browser) Run(ctx context.Context, sink Sink) error {
	b.mu.Lock()
	b.sink, b.ctx = sink, ctx
	b.mu.Unlock()
	<-ctx.Done()
	b.mu.Lock()
	b.sink, b.ctx = nil, nil
	p := b.page
	b.mu.Unlock()
	if p != nil {
		<-p.done
	}
	return nil
}

// Running reports whether the station runs the backend, so that a page
// can claim the mic.
func (b *Browser) Running() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sink != nil
}

// Claim gives the mic to a page: ErrMicBusy while another page has it,
// ErrMicOff while the station is not running. The page must call End.
func (b *Browser) Claim() (*BrowserPage, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sink == nil {
		return nil, ErrMicOff
	}
	if b.page != nil {
		return nil, ErrMicBusy
	}
	b.page = &BrowserPage{b: b, sink: b.sink, ctx: b.ctx, done: make(chan struct{})}
	return b.page, nil
}

// BrowserPage is the page holding the mic. Its methods are called from
// one goroutine at a time.
type BrowserPage struct {
	b    *Browser
	sink Sink
	ctx  context.Context
	done chan struct{} // closed by End

	rate, ch int
	conv     *toStation // nil until Begin
	in       []float32
	frames   int64 // station frames made
	dropped  int64 // of which the mic channel had no room for
}

// Context ends when the station stops; the page must then End.
func (p *BrowserPage) Context() context.Context { return p.ctx }

// Begin starts the take in the page's format: rate in Hz and 1 or 2
// channels. A bad format is an error wrapping ErrBadFormat.
func (p *BrowserPage) Begin(rate, channels int) error {
	switch {
	case p.conv != nil:
		return fmt.Errorf("%w: the format was already given", ErrBadFormat)
	case rate < MinRate || rate > MaxRate:
		return fmt.Errorf("%w: rate must be %d…%d Hz, got %d", ErrBadFormat, MinRate, MaxRate, rate)
	case channels < 1 || channels > 2:
		return fmt.Errorf("%w: channels must be 1 or 2, got %d", ErrBadFormat, channels)
	}
	p.rate, p.ch = rate, channels
	p.conv = newToStation(rate, p.b.outRate, channels, p.b.q)
	p.in = make([]float32, blockFrames*channels)
	p.sink.Start()
	p.b.log.Info("browser mic take begins", "rate", rate, "channels", channelsName(channels))
	return nil
}

// Write takes little-endian int16 PCM, interleaved when stereo, in whole
// frames, and passes it to the mic channel at the station's format. What
// the channel has no room for (a page sending ahead of real time) is
// dropped and counted: a page must never stall the reader of its socket.
// It costs no allocation.
func (p *BrowserPage) Write(le []byte) error {
	if p.conv == nil {
		return fmt.Errorf("%w: audio before the format", ErrBadFormat)
	}
	fb := 2 * p.ch
	if len(le)%fb != 0 {
		return fmt.Errorf("%w: %d bytes is not a whole number of %d-byte frames", ErrBadFormat, len(le), fb)
	}
	for len(le) > 0 {
		n := min(len(le)/fb, blockFrames)
		in := p.in[:n*p.ch]
		for i := range in {
			in[i] = float32(int16(binary.LittleEndian.Uint16(le[2*i:]))) / 32768
		}
		le = le[n*fb:]
		out := p.conv.process(in)
		made := int64(len(out) / 2)
		took := min(max(int64(p.sink.Write(out)), 0), made)
		p.frames += made
		p.dropped += made - took
	}
	return nil
}

// Channels is the page's channel count, 0 before Begin.
func (p *BrowserPage) Channels() int { return p.ch }

// Stats reports the station frames the page's audio made and how many of
// them were dropped for want of room.
func (p *BrowserPage) Stats() (frames, dropped int64) { return p.frames, p.dropped }

// End lets the mic go: the mic channel plays out what it holds, then
// reads silence, and another page may claim it. Calls after the first do
// nothing.
func (p *BrowserPage) End() {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	if p.b.page != p {
		return
	}
	p.b.page = nil
	if p.conv != nil {
		p.sink.Stop()
		p.b.log.Info("browser mic take ends", "frames", p.frames, "dropped", p.dropped)
	}
	close(p.done)
}
