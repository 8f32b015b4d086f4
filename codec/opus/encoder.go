package opus

import (
	"fmt"
	"runtime"
	"unsafe"

	"onair/internal/dynlib"
)

// The stream format the Encoder takes and every Ogg Opus granule counts
// in (RFC 7845 §4).
const (
	// SampleRate is the rate of the Encoder's input and of granules.
	SampleRate = 48000
	// FrameSize is the samples per channel of one 20 ms frame, which
	// Encode takes and makes one packet of.
	FrameSize = SampleRate / 50
)

// Encoder defaults.
const (
	DefaultBitrate    = 96 // kbps
	DefaultComplexity = 5  // see docs/BENCHMARKS.md for its cost against 10
)

// maxPacket is the output buffer: libopus's documentation recommends
// 4000 bytes, enough for any packet.
const maxPacket = 4000

// EncoderOptions set up an Encoder.
type EncoderOptions struct {
	// Channels is 1 or 2; 0 means 2.
	Channels int
	// Bitrate in kbps, 6…510; 0 means DefaultBitrate.
	Bitrate int
	// Complexity is 1…10, higher better and slower; 0 means
	// DefaultComplexity.
	Complexity int
}

func (o *EncoderOptions) normalize() error {
	if o.Channels == 0 {
		o.Channels = 2
	}
	if o.Bitrate == 0 {
		o.Bitrate = DefaultBitrate
	}
	if o.Complexity == 0 {
		o.Complexity = DefaultComplexity
	}
	switch {
	case o.Channels != 1 && o.Channels != 2:
		return fmt.Errorf("%w: %d channels (1 or 2)", ErrOptions, o.Channels)
	case o.Bitrate < 6 || o.Bitrate > 510:
		return fmt.Errorf("%w: bitrate %d kbps (6…510)", ErrOptions, o.Bitrate)
	case o.Complexity < 1 || o.Complexity > 10:
		return fmt.Errorf("%w: complexity %d (1…10)", ErrOptions, o.Complexity)
	}
	return nil
}

// Encoder makes Opus packets of 20 ms of 48 kHz audio (application
// "audio", signal "music"). It is for one goroutine.
type Encoder struct {
	lib     *Library
	o       EncoderOptions
	st      uintptr // OpusEncoder*, 0 once closed
	preSkip int

	// libopus is given only these buffers, which the Encoder owns, so
	// that the addresses passed as uintptr stay valid: heap memory does
	// not move, and the Encoder is kept alive across each call.
	pcm  []float32
	out  []byte
	args [5]uintptr // dynlib.Call's arguments, kept so they do not escape
}

// NewEncoder returns an Encoder with options o.
func (l *Library) NewEncoder(o EncoderOptions) (*Encoder, error) {
	if err := o.normalize(); err != nil {
		return nil, err
	}
	var code int32
	st := l.encoderCreate(SampleRate, int32(o.Channels), applicationAudio, &code)
	if st == 0 || code != opusOK {
		return nil, l.fail("opus_encoder_create", code)
	}
	e := &Encoder{lib: l, o: o, st: st, pcm: make([]float32, FrameSize*o.Channels), out: make([]byte, maxPacket)}
	for _, s := range []struct {
		request, value int32
		name           string
	}{
		{setBitrateRequest, int32(o.Bitrate * 1000), "OPUS_SET_BITRATE"},
		{setComplexityRequest, int32(o.Complexity), "OPUS_SET_COMPLEXITY"},
		{setSignalRequest, signalMusic, "OPUS_SET_SIGNAL"},
	} {
		if r := l.encoderCtl(st, s.request, s.value); r != opusOK {
			_ = e.Close() // frees memory: nothing to report
			return nil, l.fail(fmt.Sprintf("%s(%d)", s.name, s.value), r)
		}
	}
	var lookahead int32
	if r := l.encoderCtlGet(st, getLookaheadRequest, &lookahead); r != opusOK {
		_ = e.Close() // frees memory: nothing to report
		return nil, l.fail("OPUS_GET_LOOKAHEAD", r)
	}
	e.preSkip = int(lookahead)
	return e, nil
}

// Options returns the Encoder's settings, defaults filled in.
func (e *Encoder) Options() EncoderOptions { return e.o }

// Channels returns 1 or 2.
func (e *Encoder) Channels() int { return e.o.Channels }

// PreSkip is the encoder's lookahead in samples per channel at 48 kHz:
// how much a decoder drops from the start (OpusHead's pre-skip).
func (e *Encoder) PreSkip() int { return e.preSkip }

// Encode appends to dst the packet for pcm: one frame, FrameSize samples
// per channel interleaved, in [-1, 1]. It does not allocate when dst has
// room for the packet (at most 1275 bytes).
func (e *Encoder) Encode(dst []byte, pcm []float32) ([]byte, error) {
	if e.st == 0 {
		return dst, ErrClosed
	}
	if len(pcm) != len(e.pcm) {
		return dst, fmt.Errorf("%w: %d samples, want %d (%d per channel)", ErrFrame, len(pcm), len(e.pcm), FrameSize)
	}
	copy(e.pcm, pcm)
	a := append(e.args[:0], e.st, uintptr(unsafe.Pointer(&e.pcm[0])), FrameSize,
		uintptr(unsafe.Pointer(&e.out[0])), uintptr(len(e.out)))
	r := int32(dynlib.Call(e.lib.encodeFloat, a...)) // an opus_int32
	runtime.KeepAlive(e)
	if r < 0 {
		return dst, e.lib.fail("opus_encode_float", r)
	}
	return append(dst, e.out[:r]...), nil
}

// Reset forgets the audio encoded so far, as for a new stream, whose
// first packets the decoder will skip PreSkip samples of again.
func (e *Encoder) Reset() error {
	if e.st == 0 {
		return ErrClosed
	}
	if r := e.lib.encoderReset(e.st, resetStateRequest); r != opusOK {
		return e.lib.fail("OPUS_RESET_STATE", r)
	}
	return nil
}

// Close frees the encoder.
func (e *Encoder) Close() error {
	if e.st != 0 {
		e.lib.encoderDestroy(e.st)
		e.st = 0
	}
	return nil
}
