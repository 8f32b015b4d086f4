package live

import (
	"fmt"
	"log/slog"
	"runtime"

	"onair/codec/opus"
)

// opusLibrary loads libopus for one Decoder, once, on its first Ogg Opus
// stream: a source that never sends Opus never needs it.
type opusLibrary struct {
	load func() (*opus.Library, error)
	lib  *opus.Library
}

// get returns the library, or an error wrapping ErrUnsupported that names
// the package to install.
func (l *opusLibrary) get() (*opus.Library, error) {
	if l.lib != nil {
		return l.lib, nil
	}
	load := l.load
	if load == nil {
		load = opus.Load
	}
	lib, err := load()
	if err != nil {
		return nil, fmt.Errorf("%w: Ogg Opus needs libopus, which could not be loaded (apt install libopus0; or set your encoder to MP3 or Ogg Vorbis): %w", ErrUnsupported, err)
	}
	l.lib = lib
	return lib, nil
}

// opusStream decodes the packets of one logical Opus stream (RFC 7845):
// OpusHead, OpusTags, then audio, decoded to stereo at 48 kHz and
// resampled to the station rate by the output.
type opusStream struct {
	log     *slog.Logger
	out     *output
	stats   *counters
	onTitle func(string)
	lib     *opus.Library

	dec     *opus.Decoder // nil until OpusHead
	headers int           // header packets read
	skip    int           // pre-skip samples per channel still to drop
	bad     int           // packets in a row that did not decode
}

func newOpusStream(log *slog.Logger, out *output, stats *counters, onTitle func(string), lib *opusLibrary) (*opusStream, error) {
	l, err := lib.get()
	if err != nil {
		return nil, err
	}
	return &opusStream{log: log, out: out, stats: stats, onTitle: onTitle, lib: l}, nil
}

// packet handles the stream's next packet; lost says packets went missing
// before it.
func (o *opusStream) packet(p []byte, lost bool) error {
	switch o.headers {
	case 0:
		return o.head(p)
	case 1:
		o.headers++
		// A damaged OpusTags only loses the title.
		if title := opus.TagsTitle(p); title != "" && o.onTitle != nil {
			o.onTitle(title)
		}
		return nil
	}
	if lost {
		// libopus fills the gap from what it heard last, rather than
		// a step into the next packet.
		if pcm, err := o.dec.Decode(nil); err == nil {
			if err := o.write(pcm); err != nil {
				return err
			}
		}
	}
	pcm, err := o.dec.Decode(p)
	if err != nil {
		o.stats.badFrames.Add(1)
		if o.bad++; o.bad > maxBadRun {
			return fmt.Errorf("%w: %d Opus packets in a row did not decode: %w", ErrCorrupt, o.bad, err)
		}
		return nil
	}
	o.bad = 0
	return o.write(pcm)
}

// head reads OpusHead and starts the decoder: stereo out whatever the
// stream's channels (family 0: mono or stereo), with its output gain.
func (o *opusStream) head(p []byte) error {
	h, err := opus.ParseHead(p)
	if err != nil {
		if len(p) > 18 && p[18] != 0 {
			return fmt.Errorf("%w: Ogg Opus with more than two channels: %w", ErrUnsupported, err)
		}
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	dec, err := o.lib.NewDecoder(opus.SampleRate, 2)
	if err == nil {
		err = dec.SetGain(int(h.OutputGain))
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	// Decoder.Close may come from another goroutine while a Write
	// decodes, so libopus's state is freed only once nothing can reach
	// it: when the stream is dropped (its end, a chain's next stream,
	// the Decoder's end).
	runtime.AddCleanup(o, func(d *opus.Decoder) { _ = d.Close() }, dec) // frees memory: nothing to report
	o.dec, o.skip, o.headers = dec, h.PreSkip, 1
	o.log.Info("live Opus stream", "channels", h.Channels, "pre-skip", h.PreSkip, "input rate", h.InputRate)
	return nil
}

// write sends decoded stereo 48 kHz samples out, less the pre-skip.
func (o *opusStream) write(pcm []float32) error {
	if o.skip > 0 {
		n := min(o.skip, len(pcm)/2)
		o.skip -= n
		pcm = pcm[2*n:]
	}
	if len(pcm) == 0 {
		return nil
	}
	return o.out.write(pcm, opus.SampleRate)
}
