package live

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jfreymuth/vorbis"

	vorbissetup "onair/codec/vorbis"
	"onair/dsp/resample"
)

// maxBadRun is how many frames or packets in a row may fail to decode
// before the stream counts as undecodable: some ten seconds of audio.
const maxBadRun = 1000

// errBadPacket stands for a packet the Vorbis library panicked on, or a
// header packet among the audio.
var errBadPacket = errors.New("vorbis: damaged packet")

// vorbisStream decodes the packets of one logical Vorbis stream: the
// identification, comment and setup headers (Vorbis I §4.2), then audio.
type vorbisStream struct {
	log     *slog.Logger
	out     *output
	stats   *counters
	onTitle func(string)

	dec     vorbis.Decoder
	headers int // header packets read: 0 to 3
	ident   vorbisIdent
	buf     []float32    // one packet's samples, interleaved
	stereo  []float32    // the same mixed to stereo, when not stereo
	gains   [][2]float32 // per channel: its share of left and right
	bad     int          // packets in a row that did not decode
}

func newVorbisStream(log *slog.Logger, out *output, stats *counters, onTitle func(string)) *vorbisStream {
	return &vorbisStream{log: log, out: out, stats: stats, onTitle: onTitle}
}

// packet handles the stream's next packet.
func (v *vorbisStream) packet(p []byte, lost bool) error {
	if lost {
		v.gap()
	}
	switch v.headers {
	case 0:
		return v.readIdent(p)
	case 1:
		if len(p) > 0 && p[0] == 3 {
			v.headers++
			v.readComment(p)
			return nil
		}
		// No comment header, or one too large to keep (a picture in it):
		// the setup header comes straight on.
		v.headers++
		fallthrough
	case 2:
		return v.readSetup(p)
	}
	return v.audio(p)
}

func (v *vorbisStream) readIdent(p []byte) error {
	id, err := parseIdent(p)
	if err != nil {
		return err
	}
	if id.rate < resample.MinRate || id.rate > resample.MaxRate {
		return unsupported(fmt.Sprintf("Vorbis at %d Hz", id.rate), "")
	}
	if err := readHeader(&v.dec, p); err != nil {
		return fmt.Errorf("%w: Vorbis identification header: %w", ErrCorrupt, err)
	}
	v.ident = id
	v.headers = 1
	return nil
}

// readComment reports the stream's title, when its comment header has
// one. A damaged comment header only loses the title.
func (v *vorbisStream) readComment(p []byte) {
	if title := commentTitle(p); title != "" && v.onTitle != nil {
		v.onTitle(title)
	}
}

func (v *vorbisStream) readSetup(p []byte) error {
	fixed, err := vorbissetup.CheckVorbisSetup(p, v.ident.channels)
	if err != nil {
		return fmt.Errorf("%w: Vorbis setup header: %w", ErrCorrupt, err)
	}
	if err := readHeader(&v.dec, fixed); err != nil {
		return fmt.Errorf("%w: Vorbis setup header: %w", ErrCorrupt, err)
	}
	v.headers = 3
	ch := v.ident.channels
	v.buf = make([]float32, v.dec.BufferSize())
	if ch != 2 {
		// A packet gives at most half a long block per channel.
		v.stereo = make([]float32, 2*(v.ident.blocksize[1]/2))
	}
	v.gains = downmixGains(ch)
	v.log.Info("live Vorbis stream", "rate", v.ident.rate, "channels", ch)
	return nil
}

// readHeader is the library's ReadHeader with a panic made an error.
func readHeader(d *vorbis.Decoder, p []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errBadPacket
		}
	}()
	return d.ReadHeader(p)
}

// decode is the library's DecodeInto with a panic made an error.
func (v *vorbisStream) decode(p []byte) (out []float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errBadPacket
		}
	}()
	return v.dec.DecodeInto(p, v.buf)
}

// audio decodes an audio packet and writes its samples out. A packet
// that does not decode is skipped, and the next one starts afresh.
func (v *vorbisStream) audio(p []byte) error {
	if len(p) == 0 {
		return nil // allowed, and means nothing (Vorbis I §4.3.1)
	}
	var pcm []float32
	err := errBadPacket
	if p[0]&1 == 0 {
		pcm, err = v.decode(p)
	}
	if err != nil {
		v.stats.badFrames.Add(1)
		v.dec.Clear()
		if v.bad++; v.bad > maxBadRun {
			return fmt.Errorf("%w: %d Vorbis packets in a row did not decode", ErrCorrupt, v.bad)
		}
		return nil
	}
	v.bad = 0
	if len(pcm) == 0 {
		return nil
	}
	return v.out.write(v.toStereo(pcm), v.ident.rate)
}

// gap is told that packets went missing: the next one must not be
// overlapped with the last.
func (v *vorbisStream) gap() {
	if v.headers == 3 {
		v.dec.Clear()
	}
}

// toStereo mixes pcm, interleaved in the stream's channels, to stereo in
// [−1, 1]; a damaged packet's NaNs become silence.
func (v *vorbisStream) toStereo(pcm []float32) []float32 {
	ch := v.ident.channels
	if ch == 2 {
		for i, x := range pcm {
			pcm[i] = clip(x)
		}
		return pcm
	}
	frames := len(pcm) / ch
	out := v.stereo[:2*frames]
	for i := range frames {
		var l, r float32
		for c, g := range v.gains {
			x := pcm[i*ch+c]
			l += g[0] * x
			r += g[1] * x
		}
		out[2*i], out[2*i+1] = clip(l), clip(r)
	}
	return out
}

// clip bounds x to [−1, 1], and makes NaN 0.
func clip(x float32) float32 {
	switch {
	case x > 1:
		return 1
	case x < -1:
		return -1
	case x != x:
		return 0
	}
	return x
}

// vorbisIdent is what the identification header says (Vorbis I §4.2.2).
type vorbisIdent struct {
	channels  int
	rate      int
	blocksize [2]int
}

// parseIdent checks an identification header as the spec requires:
// version 0, channels and rate above 0, block sizes powers of two from
// 64 to 8192, the short one not larger, the framing bit set.
func parseIdent(p []byte) (vorbisIdent, error) {
	if len(p) < 30 || string(p[:7]) != "\x01vorbis" {
		return vorbisIdent{}, fmt.Errorf("%w: no Vorbis identification header", ErrCorrupt)
	}
	le := binary.LittleEndian
	id := vorbisIdent{
		channels:  int(p[11]),
		rate:      int(le.Uint32(p[12:])),
		blocksize: [2]int{1 << (p[28] & 15), 1 << (p[28] >> 4)},
	}
	switch {
	case le.Uint32(p[7:]) != 0:
		return id, fmt.Errorf("%w: Vorbis version %d", ErrCorrupt, le.Uint32(p[7:]))
	case id.channels == 0 || id.rate == 0:
		return id, fmt.Errorf("%w: Vorbis with %d channels at %d Hz", ErrCorrupt, id.channels, id.rate)
	case id.blocksize[0] < 64 || id.blocksize[1] > 8192 || id.blocksize[0] > id.blocksize[1]:
		return id, fmt.Errorf("%w: Vorbis block sizes %d and %d", ErrCorrupt, id.blocksize[0], id.blocksize[1])
	case p[29]&1 == 0:
		return id, fmt.Errorf("%w: Vorbis identification header without framing bit", ErrCorrupt)
	}
	return id, nil
}
