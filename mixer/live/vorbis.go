package live

import (
	"fmt"
	"log/slog"

	"onair/codec/vorbis"
	"onair/dsp/resample"
)

// maxBadRun is how many frames or packets in a row may fail to decode
// before the stream counts as undecodable: some ten seconds of audio.
const maxBadRun = 1000

// vorbisStream decodes the packets of one logical Vorbis stream: the
// identification, comment and setup headers (Vorbis I §4.2), then audio.
type vorbisStream struct {
	log     *slog.Logger
	out     *output
	stats   *counters
	onTitle func(string)

	dec    vorbis.Decoder
	mix    vorbis.Downmix
	stereo []float32 // one packet's samples mixed to stereo, when not stereo
	bad    int       // packets in a row that did not decode
}

func newVorbisStream(log *slog.Logger, out *output, stats *counters, onTitle func(string)) *vorbisStream {
	return &vorbisStream{log: log, out: out, stats: stats, onTitle: onTitle}
}

// packet handles the stream's next packet; lost says packets went missing
// before it.
func (v *vorbisStream) packet(p []byte, lost bool) error {
	if !v.dec.Ready() {
		return v.header(p)
	}
	if lost {
		v.dec.Clear()
	}
	return v.audio(p)
}

// header reads a header packet: the rate must be one the station can
// resample, and the comment header's title is reported.
func (v *vorbisStream) header(p []byte) error {
	kind, err := v.dec.ReadHeader(p)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	id := v.dec.Ident()
	switch kind {
	case vorbis.IdentHeader:
		if id.Rate < resample.MinRate || id.Rate > resample.MaxRate {
			return unsupported(fmt.Sprintf("Vorbis at %d Hz", id.Rate), "")
		}
	case vorbis.CommentHeader:
		// A damaged comment header only loses the title.
		if title := vorbis.CommentTitle(p); title != "" && v.onTitle != nil {
			v.onTitle(title)
		}
	case vorbis.SetupHeader:
		v.mix = vorbis.NewDownmix(id.Channels)
		if id.Channels != 2 {
			// Stereo is mixed (clipped) in place.
			v.stereo = make([]float32, 2*v.dec.MaxFrames())
		}
		v.log.Info("live Vorbis stream", "rate", id.Rate, "channels", id.Channels)
	}
	return nil
}

// audio decodes an audio packet and writes its samples out. A packet
// that does not decode is skipped, and the next one starts afresh.
func (v *vorbisStream) audio(p []byte) error {
	pcm, err := v.dec.Decode(p)
	if err != nil {
		v.stats.badFrames.Add(1)
		if v.bad++; v.bad > maxBadRun {
			return fmt.Errorf("%w: %d Vorbis packets in a row did not decode", ErrCorrupt, v.bad)
		}
		return nil
	}
	v.bad = 0
	if len(pcm) == 0 {
		return nil
	}
	dst := v.stereo
	if v.mix.Channels() == 2 {
		dst = pcm
	}
	n := v.mix.Mix(dst, pcm)
	return v.out.write(dst[:n], v.dec.Ident().Rate)
}
