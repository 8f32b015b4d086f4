//go:build !nolame && linux && (386 || amd64 || arm || arm64 || loong64 || riscv64)

package mp3enc

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"onair/internal/dynlib"
)

// lameSupported tells whether this build can load LAME at all.
const lameSupported = true

// lameHint is the fix for a LAME that does not load.
const lameHint = lameInstall

// LAME's constants, from lame.h.
const (
	lameJointStereo = 1 // MPEG_mode JOINT_STEREO
	lameMono        = 3 // MPEG_mode MONO
	lameVBROff      = 0 // vbr_mode vbr_off
)

// lameChunk is the most frames per channel handed to LAME in one call, which
// bounds the output buffer: LAME asks for 1.25·nsamples + 7200 bytes.
const lameChunk = 4096

// lameOutSize is the output buffer LAME's documentation asks for with
// lameChunk samples; 7200 bytes are also enough for lame_encode_flush.
const lameOutSize = lameChunk*5/4 + 7200

// How the PCM is handed to LAME, best first: LAME 3.100 has all three;
// older ones lack the float functions.
type lameInput int

const (
	inputInterleavedFloat lameInput = iota // lame_encode_buffer_interleaved_ieee_float
	inputPlanarFloat                       // lame_encode_buffer_ieee_float
	inputInterleaved16                     // lame_encode_buffer_interleaved
)

// lameLib is a loaded libmp3lame. The functions called once per stream are
// bound with dynlib; the encoding functions, called per block, go through
// dynlib.Call instead, since a bound function allocates on every call.
type lameLib struct {
	version string

	init            func() uintptr
	setInSamplerate func(gf uintptr, hz int32) int32
	setOutSamplerate,
	setNumChannels,
	setBrate,
	setQuality,
	setMode,
	setVBR,
	setWriteVbrTag func(gf uintptr, v int32) int32
	initParams      func(gf uintptr) int32
	getEncoderDelay func(gf uintptr) int32 // nil when missing; tests only
	flush           func(gf uintptr, buf *byte, size int32) int32
	close           func(gf uintptr) int32

	// The addresses of the encoding functions by lameInput, 0 for those
	// the library lacks, and the best it has.
	encode [3]uintptr
	input  lameInput
}

var (
	// lameLibs holds the libraries loaded so far by name; a failure is
	// not kept, so that a library installed later is found.
	lameLibsMu sync.Mutex
	lameLibs   = map[string]*lameLib{}

	// lameInitMu serialises starting sessions: LAME 3.100 fills global
	// tables (pow43, pow20, the log table) in lame_init_params without a
	// lock, and two goroutines must not do that at once.
	lameInitMu sync.Mutex
)

// loadLAME loads libmp3lame from name, or returns why it cannot.
func loadLAME(name string) (*lameLib, error) {
	lameLibsMu.Lock()
	defer lameLibsMu.Unlock()
	if lib := lameLibs[name]; lib != nil {
		return lib, nil
	}
	lib := &lameLib{}
	if _, err := dynlib.Load(name, lib.bind); err != nil {
		return nil, err
	}
	lameLibs[name] = lib
	return lib, nil
}

// bind looks up LAME's functions in l.
func (lib *lameLib) bind(l *dynlib.Lib) error {
	err := l.Funcs(
		dynlib.Fn{Ptr: &lib.init, Symbol: "lame_init"},
		dynlib.Fn{Ptr: &lib.setInSamplerate, Symbol: "lame_set_in_samplerate"},
		dynlib.Fn{Ptr: &lib.setOutSamplerate, Symbol: "lame_set_out_samplerate"},
		dynlib.Fn{Ptr: &lib.setNumChannels, Symbol: "lame_set_num_channels"},
		dynlib.Fn{Ptr: &lib.setBrate, Symbol: "lame_set_brate"},
		dynlib.Fn{Ptr: &lib.setQuality, Symbol: "lame_set_quality"},
		dynlib.Fn{Ptr: &lib.setMode, Symbol: "lame_set_mode"},
		dynlib.Fn{Ptr: &lib.setVBR, Symbol: "lame_set_VBR"},
		dynlib.Fn{Ptr: &lib.setWriteVbrTag, Symbol: "lame_set_bWriteVbrTag"},
		dynlib.Fn{Ptr: &lib.initParams, Symbol: "lame_init_params"},
		dynlib.Fn{Ptr: &lib.flush, Symbol: "lame_encode_flush"},
		dynlib.Fn{Ptr: &lib.close, Symbol: "lame_close"},
	)
	if err != nil {
		return err
	}
	_ = l.Func(&lib.getEncoderDelay, "lame_get_encoder_delay") // optional, nil when missing: tests only
	lib.version = "lame"
	var version func() string
	if l.Func(&version, "get_lame_version") == nil {
		lib.version = "lame " + version()
	}
	lib.input = -1
	for in, fn := range []string{
		inputInterleavedFloat: "lame_encode_buffer_interleaved_ieee_float",
		inputPlanarFloat:      "lame_encode_buffer_ieee_float",
		inputInterleaved16:    "lame_encode_buffer_interleaved",
	} {
		if sym, err := l.Sym(fn); err == nil {
			lib.encode[in] = sym
			if lib.input < 0 {
				lib.input = lameInput(in)
			}
		}
	}
	if lib.input < 0 {
		return fmt.Errorf("%s has none of LAME's encoding functions", l.Name())
	}
	return nil
}

// lameEncoder is one LAME encoding session.
type lameEncoder struct {
	lib      *lameLib
	o        Options
	input    lameInput
	channels int
	gf       uintptr // lame_global_flags*, 0 once closed
	fed      bool    // samples went in since the session started

	// LAME is given only these buffers, which the encoder owns, so that
	// the addresses passed as uintptr stay valid: heap memory does not
	// move, and the encoder is kept alive across each call.
	out []byte    // LAME's output
	f32 []float32 // the input, interleaved stereo or left then right
	i16 []int16   // the input, interleaved stereo, for inputInterleaved16
	// args is SyscallN's argument list, kept here because a fresh one
	// would escape to the heap on every call.
	args [6]uintptr
}

var _ Encoder = (*lameEncoder)(nil)

// newLAME starts a LAME session for o, which normalize checked.
func newLAME(lib *lameLib, o Options) (*lameEncoder, error) {
	e := &lameEncoder{
		lib:      lib,
		o:        o,
		channels: o.Channels,
		out:      make([]byte, lameOutSize),
		f32:      make([]float32, 2*lameChunk),
	}
	e.setInput(lib.input)
	if err := e.start(); err != nil {
		return nil, err
	}
	return e, nil
}

// setInput picks the encoding function, which the library has.
func (e *lameEncoder) setInput(in lameInput) {
	e.input = in
	if in == inputInterleaved16 && e.i16 == nil {
		e.i16 = make([]int16, 2*lameChunk)
	}
}

// start opens a LAME session with e's options.
func (e *lameEncoder) start() error {
	lameInitMu.Lock()
	defer lameInitMu.Unlock()
	l := e.lib
	gf := l.init()
	if gf == 0 {
		return fmt.Errorf("%w: lame_init returned NULL", ErrLAMEFailure)
	}
	mode := int32(lameJointStereo)
	if e.channels == 1 {
		mode = lameMono
	}
	settings := []struct {
		set  func(uintptr, int32) int32
		v    int32
		name string
	}{
		{l.setInSamplerate, int32(e.o.SampleRate), "in_samplerate"},
		// Without this LAME may resample to a lower rate it prefers
		// for the bitrate.
		{l.setOutSamplerate, int32(e.o.SampleRate), "out_samplerate"},
		{l.setNumChannels, int32(e.channels), "num_channels"},
		{l.setBrate, int32(e.o.Bitrate), "brate"},
		{l.setQuality, int32(e.o.lameQuality()), "quality"},
		{l.setMode, mode, "mode"},
		{l.setVBR, lameVBROff, "VBR"},
		// A Xing/Info frame is written at the start only when the
		// output can be rewritten at the end; a stream cannot.
		{l.setWriteVbrTag, 0, "bWriteVbrTag"},
	}
	for _, s := range settings {
		if r := s.set(gf, s.v); r < 0 {
			l.close(gf)
			return fmt.Errorf("%w: lame_set_%s(%d) returned %d", ErrLAMEFailure, s.name, s.v, r)
		}
	}
	if r := l.initParams(gf); r < 0 {
		l.close(gf)
		return fmt.Errorf("%w: lame_init_params returned %d for %d kbps at %d Hz, %d channels",
			ErrLAMEFailure, r, e.o.Bitrate, e.o.SampleRate, e.channels)
	}
	e.gf, e.fed = gf, false
	return nil
}

// Name returns "lame" and the library's version, as "lame 3.100".
func (e *lameEncoder) Name() string { return e.lib.version }

// Encode hands pcm to LAME at most lameChunk frames at a time.
func (e *lameEncoder) Encode(dst []byte, pcm []float32) ([]byte, error) {
	if e.gf == 0 {
		return dst, ErrClosed
	}
	if len(pcm)%e.channels != 0 {
		return dst, fmt.Errorf("%w: %d samples for %d channels", ErrPCMLength, len(pcm), e.channels)
	}
	for len(pcm) > 0 {
		n := min(len(pcm)/e.channels, lameChunk)
		r := e.encodeChunk(pcm[:n*e.channels], n)
		if r < 0 {
			return dst, lameError("lame_encode_buffer", r)
		}
		e.fed = true
		dst = append(dst, e.out[:r]...)
		pcm = pcm[n*e.channels:]
	}
	return dst, nil
}

// encodeChunk stages n frames of pcm in e's buffers the way e.input wants
// them, encodes them into e.out and returns LAME's result.
func (e *lameEncoder) encodeChunk(pcm []float32, n int) int32 {
	a := e.args[:0]
	a = append(a, e.gf)
	switch e.input {
	case inputInterleavedFloat:
		src := e.f32[:2*n]
		if e.channels == 2 {
			copy(src, pcm)
		} else {
			// The interleaved functions read the left channel with
			// a stride of two even in mono: duplicate it.
			for i, x := range pcm {
				src[2*i], src[2*i+1] = x, x
			}
		}
		a = append(a, uintptr(unsafe.Pointer(&src[0])))
	case inputPlanarFloat:
		left, right := e.f32[:n], e.f32[lameChunk:lameChunk+n]
		if e.channels == 2 {
			for i := range n {
				left[i], right[i] = pcm[2*i], pcm[2*i+1]
			}
		} else {
			copy(left, pcm)
			right = left
		}
		a = append(a, uintptr(unsafe.Pointer(&left[0])), uintptr(unsafe.Pointer(&right[0])))
	case inputInterleaved16:
		src := e.i16[:2*n]
		if e.channels == 2 {
			copyPCM16(src, pcm, 1)
		} else {
			for i, x := range pcm {
				v := pcm16(x)
				src[2*i], src[2*i+1] = v, v
			}
		}
		a = append(a, uintptr(unsafe.Pointer(&src[0])))
	}
	a = append(a, uintptr(n), uintptr(unsafe.Pointer(&e.out[0])), uintptr(len(e.out)))
	r := dynlib.Call(e.lib.encode[e.input], a...)
	runtime.KeepAlive(e)
	// LAME returns a C int: the low 32 bits, sign included.
	return int32(r)
}

// Flush ends the stream: LAME pads its last frame and hands over what it
// holds. Then a new session starts, since LAME encodes nothing after a
// flush.
func (e *lameEncoder) Flush(dst []byte) ([]byte, error) {
	if e.gf == 0 {
		return dst, ErrClosed
	}
	if !e.fed {
		// LAME would still write its delay and padding: a frame or
		// two of silence that nobody asked for.
		return dst, nil
	}
	r := e.lib.flush(e.gf, &e.out[0], int32(len(e.out)))
	e.lib.close(e.gf)
	e.gf = 0
	if r < 0 {
		return dst, lameError("lame_encode_flush", r)
	}
	dst = append(dst, e.out[:r]...)
	return dst, e.start()
}

// Close ends the LAME session.
func (e *lameEncoder) Close() error {
	if e.gf != 0 {
		e.lib.close(e.gf)
		e.gf = 0
	}
	return nil
}

// encoderDelay returns LAME's encoder delay in samples per channel, or -1
// when the library does not say.
func (e *lameEncoder) encoderDelay() int {
	if e.lib.getEncoderDelay == nil || e.gf == 0 {
		return -1
	}
	return int(e.lib.getEncoderDelay(e.gf))
}

// lameError describes a negative result of an encoding function.
func lameError(fn string, r int32) error {
	var why string
	switch r {
	case -1:
		why = "output buffer too small"
	case -2:
		why = "out of memory"
	case -3:
		why = "lame_init_params not called"
	case -4:
		why = "psychoacoustic problem"
	default:
		why = "error"
	}
	return fmt.Errorf("%w: %s returned %d (%s)", ErrLAMEFailure, fn, r, why)
}
