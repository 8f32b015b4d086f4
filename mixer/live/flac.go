package live

import (
	"errors"
	"fmt"
	"log/slog"

	"onair/codec/flac"
	"onair/codec/vorbis"
	"onair/dsp/resample"
)

// flacStream decodes the packets of one logical Ogg FLAC stream: the
// mapping's first packet with STREAMINFO, one metadata block a packet,
// then one frame a packet (RFC 9639 §10.1).
type flacStream struct {
	log     *slog.Logger
	out     *output
	stats   *counters
	onTitle func(string)

	dec    *flac.Decoder // nil until the first packet is read
	mix    flac.Downmix
	stereo []float32 // one frame mixed to stereo, when not stereo
	bad    int       // frames in a row that did not decode
}

func newFLACStream(log *slog.Logger, out *output, stats *counters, onTitle func(string)) *flacStream {
	return &flacStream{log: log, out: out, stats: stats, onTitle: onTitle}
}

// packet handles the stream's next packet. FLAC frames stand alone, so
// packets lost before one change nothing.
func (f *flacStream) packet(p []byte, _ bool) error {
	switch {
	case f.dec == nil:
		return f.header(p)
	case len(p) == 0:
		return nil // encoders end a stream with an empty packet
	case flac.IsOggFrame(p):
		return f.audio(p)
	}
	return f.metadata(p)
}

// header reads the mapping's first packet: the rate must be one the
// station can resample.
func (f *flacStream) header(p []byte) error {
	h, err := flac.ParseOggHeader(p)
	switch {
	case errors.Is(err, flac.ErrUnsupported):
		return unsupported("FLAC", err.Error())
	case err != nil:
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	si := h.Info
	switch {
	case si.SampleRate < resample.MinRate || si.SampleRate > resample.MaxRate:
		return unsupported(fmt.Sprintf("FLAC at %d Hz", si.SampleRate), "")
	case si.BitsPerSample > 24:
		return unsupported(fmt.Sprintf("FLAC of %d bits", si.BitsPerSample), "")
	}
	f.dec = flac.NewDecoder(si)
	f.mix = flac.NewDownmix(si.Channels)
	if si.Channels != 2 {
		// Sized for the largest block now, so that frames allocate nothing.
		f.stereo = make([]float32, 2*si.MaxBlockSize)
	}
	f.log.Info("live FLAC stream", "rate", si.SampleRate, "channels", si.Channels, "bits", si.BitsPerSample)
	return nil
}

// metadata reads a metadata block: its comment list gives the title. A
// damaged block only loses the title.
func (f *flacStream) metadata(p []byte) error {
	h, body, err := flac.ParseOggMetadata(p)
	if err != nil || h.Type != flac.VorbisCommentBlock {
		return nil
	}
	if title := vorbis.CommentListTitle(body); title != "" && f.onTitle != nil {
		f.onTitle(title)
	}
	return nil
}

// audio decodes a frame and writes its samples out. A frame that does
// not decode, or whose rate the station cannot take, is skipped.
func (f *flacStream) audio(p []byte) error {
	fr, err := f.dec.Decode(p)
	if err == nil && (fr.SampleRate < resample.MinRate || fr.SampleRate > resample.MaxRate) {
		err = fmt.Errorf("frame at %d Hz", fr.SampleRate)
	}
	if err != nil {
		f.stats.badFrames.Add(1)
		if f.bad++; f.bad > maxBadRun {
			return fmt.Errorf("%w: %d FLAC frames in a row did not decode: %w", ErrCorrupt, f.bad, err)
		}
		return nil
	}
	f.bad = 0
	if fr.Channels != f.mix.Channels() {
		f.mix = flac.NewDownmix(fr.Channels)
	}
	dst := fr.PCM // stereo is clipped in place
	if fr.Channels != 2 {
		if len(f.stereo) < 2*fr.BlockSize {
			f.stereo = make([]float32, 2*fr.BlockSize)
		}
		dst = f.stereo
	}
	n := f.mix.Mix(dst, fr.PCM)
	return f.out.write(dst[:n], fr.SampleRate)
}
