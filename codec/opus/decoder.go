package opus

import (
	"fmt"
	"runtime"
	"unsafe"

	"onair/internal/dynlib"
)

// maxDuration is the longest packet, 120 ms (RFC 6716 §3.2.5), in
// samples per channel at 48 kHz.
const maxDuration = 120 * SampleRate / 1000

// maxPacketSize is the longest packet: 48 frames of at most 1275 bytes
// (RFC 6716 §3.2.5), with their lengths.
const maxPacketSize = 48*1275 + 2*48 + 2

// Decoder decodes Opus packets to interleaved float32. It is for one
// goroutine.
type Decoder struct {
	lib      *Library
	rate     int
	channels int
	st       uintptr // OpusDecoder*, 0 once closed
	last     int     // samples per channel of the last packet, for a lost one

	// libopus is given only these buffers, which the Decoder owns, so
	// that the addresses passed as uintptr stay valid (heap memory does
	// not move): a caller's packet is copied in.
	in   []byte
	pcm  []float32 // the output, which libopus writes
	args [6]uintptr
}

// NewDecoder returns a Decoder whose output is at rate Hz (8000, 12000,
// 16000, 24000 or 48000) with channels channels (1 or 2; a mono stream
// is copied to both of a stereo output, and a stereo one mixed down for
// a mono output).
func (l *Library) NewDecoder(rate, channels int) (*Decoder, error) {
	switch {
	case rate != 8000 && rate != 12000 && rate != 16000 && rate != 24000 && rate != 48000:
		return nil, fmt.Errorf("%w: decoding at %d Hz (8, 12, 16, 24 or 48 kHz)", ErrOptions, rate)
	case channels != 1 && channels != 2:
		return nil, fmt.Errorf("%w: %d channels (1 or 2)", ErrOptions, channels)
	}
	var code int32
	st := l.decoderCreate(int32(rate), int32(channels), &code)
	if st == 0 || code != opusOK {
		return nil, l.fail("opus_decoder_create", code)
	}
	n := maxDuration * rate / SampleRate
	return &Decoder{lib: l, rate: rate, channels: channels, st: st, last: n / 6,
		in: make([]byte, maxPacketSize), pcm: make([]float32, n*channels)}, nil
}

// SetGain sets the gain applied to the output in Q7.8 dB, as OpusHead's
// output gain gives it.
func (d *Decoder) SetGain(q8 int) error {
	if d.st == 0 {
		return ErrClosed
	}
	if r := d.lib.decoderCtl(d.st, setGainRequest, int32(q8)); r != opusOK {
		return d.lib.fail(fmt.Sprintf("OPUS_SET_GAIN(%d)", q8), r)
	}
	return nil
}

// Decode decodes packet and returns its samples, interleaved, valid until
// the next call. A nil packet stands for one that was lost: the decoder
// conceals as long as the last packet lasted. It does not allocate.
func (d *Decoder) Decode(packet []byte) ([]float32, error) {
	if d.st == 0 {
		return nil, ErrClosed
	}
	var data, size uintptr
	frames := len(d.pcm) / d.channels
	if len(packet) > maxPacketSize {
		return nil, fmt.Errorf("%w: opus_decode_float: a packet of %d bytes, longer than any Opus packet", ErrFailed, len(packet))
	}
	if len(packet) > 0 {
		size = uintptr(copy(d.in, packet))
		data = uintptr(unsafe.Pointer(&d.in[0]))
	} else {
		// For a lost packet libopus makes exactly frame_size samples.
		frames = d.last
	}
	a := append(d.args[:0], d.st, data, size, uintptr(unsafe.Pointer(&d.pcm[0])), uintptr(frames), 0)
	r := int32(dynlib.Call(d.lib.decodeFloat, a...))
	runtime.KeepAlive(d)
	if r < 0 {
		return nil, d.lib.fail("opus_decode_float", r)
	}
	if len(packet) > 0 {
		d.last = int(r)
	}
	return d.pcm[:int(r)*d.channels], nil
}

// Reset forgets the packets decoded so far, as for a new stream.
func (d *Decoder) Reset() error {
	if d.st == 0 {
		return ErrClosed
	}
	if r := d.lib.decoderReset(d.st, resetStateRequest); r != opusOK {
		return d.lib.fail("OPUS_RESET_STATE", r)
	}
	return nil
}

// Rate returns the output's rate in Hz.
func (d *Decoder) Rate() int { return d.rate }

// Channels returns the output's channel count.
func (d *Decoder) Channels() int { return d.channels }

// Close frees the decoder.
func (d *Decoder) Close() error {
	if d.st != 0 {
		d.lib.decoderDestroy(d.st)
		d.st = 0
	}
	return nil
}
