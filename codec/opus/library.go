package opus

import (
	"fmt"

	"onair/internal/dynlib"
)

// LibraryName is the soname of libopus, from Debian's libopus0.
const LibraryName = "libopus.so.0"

// install is the fix for a library that does not load.
const install = "apt install libopus0"

// libopus's constants, from opus_defines.h.
const (
	opusOK               = 0
	applicationAudio     = 2049
	setBitrateRequest    = 4002
	setComplexityRequest = 4010
	setSignalRequest     = 4024
	getLookaheadRequest  = 4027
	resetStateRequest    = 4028
	setGainRequest       = 4034
	signalMusic          = 3002
)

// Library is a loaded libopus. The functions called once per encoder or
// decoder are bound with dynlib; the per-packet ones are called with
// dynlib.Call, since a bound function allocates on every call.
type Library struct {
	version string

	encoderCreate  func(rate, channels, application int32, err *int32) uintptr
	encoderDestroy func(st uintptr)
	// opus_encoder_ctl and opus_decoder_ctl are variadic: bound once
	// with an int argument and once with a pointer to one.
	encoderCtl     func(st uintptr, request, value int32) int32
	encoderCtlGet  func(st uintptr, request int32, value *int32) int32
	encoderReset   func(st uintptr, request int32) int32
	decoderCreate  func(rate, channels int32, err *int32) uintptr
	decoderCtl     func(st uintptr, request, value int32) int32
	decoderReset   func(st uintptr, request int32) int32
	decoderDestroy func(st uintptr)
	strerror       func(code int32) string

	encodeFloat uintptr // opus_encode_float
	decodeFloat uintptr // opus_decode_float
}

// Load loads libopus by LibraryName.
func Load() (*Library, error) { return Open(LibraryName) }

// Open loads libopus from name. A library that is missing or unusable
// is an error wrapping ErrNoLibrary that says to install libopus0.
func Open(name string) (*Library, error) {
	l := &Library{}
	if _, err := dynlib.Load(name, l.bind); err != nil {
		return nil, fmt.Errorf("%w: %v (%s)", ErrNoLibrary, err, install)
	}
	return l, nil
}

func (l *Library) bind(lib *dynlib.Lib) (err error) {
	err = lib.Funcs(
		dynlib.Fn{Ptr: &l.encoderCreate, Symbol: "opus_encoder_create"},
		dynlib.Fn{Ptr: &l.encoderDestroy, Symbol: "opus_encoder_destroy"},
		dynlib.Fn{Ptr: &l.encoderCtl, Symbol: "opus_encoder_ctl"},
		dynlib.Fn{Ptr: &l.encoderCtlGet, Symbol: "opus_encoder_ctl"},
		dynlib.Fn{Ptr: &l.encoderReset, Symbol: "opus_encoder_ctl"},
		dynlib.Fn{Ptr: &l.decoderCreate, Symbol: "opus_decoder_create"},
		dynlib.Fn{Ptr: &l.decoderCtl, Symbol: "opus_decoder_ctl"},
		dynlib.Fn{Ptr: &l.decoderReset, Symbol: "opus_decoder_ctl"},
		dynlib.Fn{Ptr: &l.decoderDestroy, Symbol: "opus_decoder_destroy"},
		dynlib.Fn{Ptr: &l.strerror, Symbol: "opus_strerror"},
	)
	if err != nil {
		return err
	}
	if l.encodeFloat, err = lib.Sym("opus_encode_float"); err != nil {
		return err
	}
	if l.decodeFloat, err = lib.Sym("opus_decode_float"); err != nil {
		return err
	}
	l.version = "libopus"
	var version func() string
	if lib.Func(&version, "opus_get_version_string") == nil {
		l.version = version()
	}
	return nil
}

// Version is libopus's version string, as "libopus 1.3.1".
func (l *Library) Version() string { return l.version }

// fail describes libopus's error code r from fn.
func (l *Library) fail(fn string, r int32) error {
	return fmt.Errorf("%w: %s: %s (%d)", ErrFailed, fn, l.strerror(r), r)
}
