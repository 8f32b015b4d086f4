package capture

import (
	"encoding/binary"

	"onair/dsp/resample"
)

// blockFrames is the most input frames converted at a time: about 20 ms,
// short enough to keep the mic's delay low.
const blockFrames = 1024

// toStation converts blocks of interleaved float32 input (1 or 2 channels,
// any rate) to interleaved stereo at the station rate. Its buffers are made
// once, so a block costs no allocation.
type toStation struct {
	ch  int
	rs  *resample.Resampler // nil when the rates match
	mid []float32           // resampled, still at the input's channel count
	out []float32           // stereo
}

// newToStation makes a converter for blocks of at most blockFrames frames,
// resampling with filter q when the rates differ.
func newToStation(inRate, outRate, ch int, q resample.Quality) *toStation {
	t := &toStation{ch: ch}
	frames := blockFrames
	if inRate != outRate {
		t.rs = resample.New(inRate, outRate, ch, q)
		// Flush appends up to Latency frames; a block up to MaxOut.
		frames = max(t.rs.MaxOut(blockFrames), t.rs.Latency())
		t.mid = make([]float32, 0, frames*ch)
	}
	if ch == 1 || t.rs != nil {
		t.out = make([]float32, 0, frames*2)
	}
	return t
}

// process returns the station's audio for in (at most blockFrames frames),
// valid until the next call. Stereo at the station rate passes through.
func (t *toStation) process(in []float32) []float32 {
	if t.rs != nil {
		t.mid = t.rs.Process(t.mid[:0], in)
		in = t.mid
	}
	return t.stereo(in)
}

// flush returns what the resampler still holds of the stream so far and
// makes it ready for a new stream.
func (t *toStation) flush() []float32 {
	if t.rs == nil {
		return nil
	}
	t.mid = t.rs.Flush(t.mid[:0])
	return t.stereo(t.mid)
}

// stereo duplicates mono into both channels.
func (t *toStation) stereo(in []float32) []float32 {
	if t.ch == 2 {
		if t.rs == nil {
			return in
		}
		return append(t.out[:0], in...)
	}
	out := t.out[:2*len(in)]
	for i, v := range in {
		out[2*i] = v
		out[2*i+1] = v
	}
	return out
}

// s16Decoder turns raw s16le bytes, read in pieces of any size, into the
// station's audio. Bytes of a frame split across reads wait for the rest.
type s16Decoder struct {
	frameBytes int
	raw        []byte // read buffer; raw[:carry] is a partial frame
	carry      int
	in         []float32
	conv       *toStation
}

func newS16Decoder(inRate, outRate, ch int, q resample.Quality) *s16Decoder {
	return &s16Decoder{
		frameBytes: 2 * ch,
		raw:        make([]byte, blockFrames*2*ch),
		in:         make([]float32, blockFrames*ch),
		conv:       newToStation(inRate, outRate, ch, q),
	}
}

// buffer is where the next read goes: after the carried partial frame.
func (d *s16Decoder) buffer() []byte { return d.raw[d.carry:] }

// decode takes n bytes read into buffer() and returns the audio of the
// whole frames now held, valid until the next call.
func (d *s16Decoder) decode(n int) []float32 {
	total := d.carry + n
	whole := total - total%d.frameBytes
	in := d.in[:whole/2]
	for i := range in {
		in[i] = float32(int16(binary.LittleEndian.Uint16(d.raw[2*i:]))) / 32768
	}
	d.carry = copy(d.raw, d.raw[whole:total])
	return d.conv.process(in)
}

// endStream returns the resampler's tail and forgets the stream, partial
// frame included: the next bytes begin a new stream.
func (d *s16Decoder) endStream() []float32 {
	d.carry = 0
	return d.conv.flush()
}

// restart forgets a partial frame and any resampler history, for a file
// that was cut short and begins again.
func (d *s16Decoder) restart() {
	d.carry = 0
	if d.conv.rs != nil {
		d.conv.rs.Reset()
	}
}
