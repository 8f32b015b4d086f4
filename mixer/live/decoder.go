package live

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"onair/codec/opus"
	"onair/dsp/resample"
)

// Options configure a Decoder.
type Options struct {
	// Rate is the station's sample rate in Hz; 0 means 44100.
	Rate int
	// Resampler is the filter that brings a stream at another rate to
	// Rate; the zero value is resample.Best.
	Resampler resample.Quality
	// Logger gets the format found and the Vorbis, Opus and FLAC streams
	// started (Info) and every loss of sync (Debug); nil logs nothing.
	Logger *slog.Logger
	// OnTitle, when set, is called on the writing goroutine with each
	// title found in the stream: "Artist - Title", or the title alone,
	// from the comment header of each Ogg Vorbis or Opus stream in a
	// chain, or the comment block of each Ogg FLAC stream.
	OnTitle func(title string)
	// Context, when set, ends the Decoder as Close does once it is done.
	Context context.Context
	// LoadOpus, when set, loads libopus for an Ogg Opus stream instead
	// of opus.Load.
	LoadOpus func() (*opus.Library, error)
}

// Decoder turns a live source's bytes into stereo PCM at the station
// rate for a Sink. Write is for one goroutine, the source's; Close,
// Format and Stats may be called from any.
type Decoder struct {
	log      *slog.Logger
	onTitle  func(string)
	ctx      context.Context
	loadOpus func() (*opus.Library, error)
	done     chan struct{}
	close    sync.Once
	format   atomic.Int32 // a format
	stats    counters
	out      output

	sniff *sniffer // until the format is known
	mp3   *mp3Stream
	ogg   *oggStream
	err   error // sticky: every Write after a failure returns it
}

// format is what the Decoder found the stream to be.
type format int32

const (
	formatUnknown format = iota
	formatMP3
	formatVorbis
	formatFLAC
	formatOpus
)

func (f format) String() string {
	switch f {
	case formatMP3:
		return "mp3"
	case formatVorbis:
		return "ogg/vorbis"
	case formatFLAC:
		return "ogg/flac"
	case formatOpus:
		return "ogg/opus"
	}
	return ""
}

// NewDecoder returns a Decoder writing to sink, which must not be nil.
func NewDecoder(o Options, sink Sink) *Decoder {
	d := &Decoder{
		log:      o.Logger,
		onTitle:  o.OnTitle,
		ctx:      o.Context,
		loadOpus: o.LoadOpus,
		done:     make(chan struct{}),
		sniff:    newSniffer(),
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.ctx == nil {
		d.ctx = context.Background()
	}
	rate := o.Rate
	if rate == 0 {
		rate = 44100
	}
	if rate < resample.MinRate || rate > resample.MaxRate {
		d.err = fmt.Errorf("live decoder: station rate %d Hz outside %d…%d", rate, resample.MinRate, resample.MaxRate)
	}
	d.out = output{sink: sink, rate: rate, q: o.Resampler, ctx: d.ctx, done: d.done, stats: &d.stats}
	return d
}

// Write decodes p, the next bytes of the source's stream, and writes the
// audio in it to the Sink, waiting while the Sink is full. It returns
// len(p), or an error wrapping ErrUnsupported, ErrUnknownFormat,
// ErrCorrupt or ErrClosed; after an error every Write fails.
func (d *Decoder) Write(p []byte) (int, error) {
	if d.err == nil {
		d.err = d.closed()
	}
	if d.err != nil {
		return 0, d.err
	}
	if err := d.write(p); err != nil {
		d.err = err
		return 0, err
	}
	return len(p), nil
}

func (d *Decoder) write(p []byte) error {
	switch {
	case d.mp3 != nil:
		return d.mp3.write(p)
	case d.ogg != nil:
		return d.ogg.write(p)
	}
	n, found, err := d.sniff.add(p)
	if err != nil || found == formatUnknown {
		return err
	}
	head := d.sniff.buf[d.sniff.pos:]
	d.sniff = nil
	d.format.Store(int32(found))
	d.log.Info("live input", "format", found.String())
	if found == formatMP3 {
		d.mp3 = newMP3Stream(d.log, &d.out, &d.stats)
		if err := d.mp3.write(head); err != nil {
			return err
		}
		return d.mp3.write(p[n:])
	}
	d.ogg = newOggStream(d.log, &d.out, &d.stats, d.onTitle)
	d.ogg.opus = &opusLibrary{load: d.loadOpus}
	if err := d.ogg.write(head); err != nil {
		return err
	}
	return d.ogg.write(p[n:])
}

// closed returns ErrClosed once Close was called or the context ended.
func (d *Decoder) closed() error {
	select {
	case <-d.done:
		return ErrClosed
	case <-d.ctx.Done():
		return fmt.Errorf("%w: %w", ErrClosed, context.Cause(d.ctx))
	default:
		return nil
	}
}

// Format is "mp3", "ogg/vorbis", "ogg/flac" or "ogg/opus" once the
// stream's first bytes told, "" before.
func (d *Decoder) Format() string { return format(d.format.Load()).String() }

// Close ends the Decoder: a Write waiting for room in the Sink returns
// ErrClosed at once, and so does every later Write. It does not wait
// for that Write to return.
func (d *Decoder) Close() {
	d.close.Do(func() { close(d.done) })
}

// Stats are a Decoder's counters, for metrics.
type Stats struct {
	Frames    int64 // stereo frames the Sink took, at the station rate
	Skipped   int64 // bytes skipped looking for the next frame or page
	BadFrames int64 // MP3 frames, Vorbis and Opus packets and FLAC frames that did not decode
	BadPages  int64 // Ogg pages dropped for a wrong checksum
	Waits     int64 // sleeps while the Sink was full
}

// Stats returns the Decoder's counters so far.
func (d *Decoder) Stats() Stats {
	return Stats{
		Frames:    d.stats.frames.Load(),
		Skipped:   d.stats.skipped.Load(),
		BadFrames: d.stats.badFrames.Load(),
		BadPages:  d.stats.badPages.Load(),
		Waits:     d.stats.waits.Load(),
	}
}

// counters back Stats; the writing goroutine adds, any goroutine reads.
type counters struct {
	frames, skipped, badFrames, badPages, waits atomic.Int64
}
