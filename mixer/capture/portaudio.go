//go:build linux && (amd64 || arm64 || arm)

package capture

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"onair/internal/dynlib"
)

// PortAudio is loaded at run time with purego, as LAME is, so that every
// build (CGO_ENABLED=0, any of the release architectures) captures from a
// sound card when libportaudio2 is installed and only warns when it is not.
// The blocking read API is used: it needs no C callback into Go.

// paLibName is the library loaded: the soname of PortAudio v19.
const paLibName = "libportaudio.so.2"

// PortAudio's constants, from portaudio.h.
const (
	paNoError           = 0
	paInputOverflowed   = -9981
	paNoDevice          = -1
	paFloat32           = 0x00000001
	paFramesUnspecified = 0
	paNoFlag            = 0
)

// ptrSize is the size of a C pointer and of a C long on Linux.
const ptrSize = unsafe.Sizeof(uintptr(0))

// paStreamParameters is PortAudio's PaStreamParameters. C aligns the
// double to 8 bytes on every architecture built here; Go aligns a float64
// to 4 on 32-bit ARM, so the padding before it is spelled out.
type paStreamParameters struct {
	device           int32
	channelCount     int32
	sampleFormat     uintptr // unsigned long
	_                [(8 - (8+ptrSize)%8) % 8]byte
	suggestedLatency float64
	hostAPIInfo      uintptr // void*
}

// paDeviceInfo is PortAudio's PaDeviceInfo, read where PortAudio keeps it
// (valid until Pa_Terminate). The padding after the ints is C's on both
// 32- and 64-bit: the doubles start on an 8-byte boundary.
type paDeviceInfo struct {
	_                      int32 // structVersion
	name                   *byte
	_                      int32 // hostApi
	maxInputChannels       int32
	_                      int32 // maxOutputChannels
	_                      int32 // padding
	defaultLowInputLatency float64
	_                      [3]float64 // the other latencies
	defaultSampleRate      float64
}

// The C layouts, checked when each architecture compiles: an index other
// than 0 into a one-element array is a compile error.
var (
	_ = [1]int{}[unsafe.Offsetof(paStreamParameters{}.suggestedLatency)-16]
	_ = [1]int{}[unsafe.Offsetof(paStreamParameters{}.hostAPIInfo)-24]
	_ = [1]int{}[unsafe.Offsetof(paDeviceInfo{}.name)-ptrSize]
	_ = [1]int{}[unsafe.Offsetof(paDeviceInfo{}.maxInputChannels)-(2*ptrSize+4)]
	_ = [1]int{}[unsafe.Offsetof(paDeviceInfo{}.defaultLowInputLatency)-(2*ptrSize+16)]
	_ = [1]int{}[unsafe.Offsetof(paDeviceInfo{}.defaultSampleRate)-(2*ptrSize+48)]
)

// paLib is a loaded libportaudio. The functions called once per session
// are bound with dynlib; the two the capture loop calls per block go
// through dynlib.Call, since a bound function allocates on every call.
type paLib struct {
	version string

	initialize    func() int32
	terminate     func() int32
	errorText     func(code int32) string
	deviceCount   func() int32
	defaultInput  func() int32
	deviceInfo    func(index int32) *paDeviceInfo
	openStreamFn  func(stream *uintptr, in *paStreamParameters, out uintptr, rate float64, frames, flags, callback, user uintptr) int32
	startStream   func(stream uintptr) int32
	abortStream   func(stream uintptr) int32
	closeStream   func(stream uintptr) int32
	readAvailable uintptr // Pa_GetStreamReadAvailable
	readStream    uintptr // Pa_ReadStream

	sessions int // Pa_Initialize calls not yet terminated, under paMu
}

var (
	// paLoaded is the library once loaded; a failure is not kept, so
	// that a library installed later is found without a restart.
	paLoadMu sync.Mutex
	paLoaded *paLib

	// paMu serialises PortAudio's setup, teardown and device listing:
	// its state is process-wide and not safe to change from two
	// goroutines at once.
	paMu sync.Mutex
)

// loadPortAudio loads libportaudio.so.2, or returns why it cannot, as an
// error wrapping ErrNoPortAudio.
func loadPortAudio() (*paLib, error) {
	paLoadMu.Lock()
	defer paLoadMu.Unlock()
	if paLoaded != nil {
		return paLoaded, nil
	}
	lib, err := openPortAudio(paLibName)
	if err != nil {
		return nil, noPortAudio(err)
	}
	paLoaded = lib
	return lib, nil
}

// noPortAudio is the error for a library that did not load: why, and
// how to install it.
func noPortAudio(why error) error {
	return fmt.Errorf("%w: %v (%s)", ErrNoPortAudio, why, paInstall)
}

// openPortAudio loads name and looks up the functions used.
func openPortAudio(name string) (*paLib, error) {
	lib := &paLib{}
	if _, err := dynlib.Load(name, lib.bind); err != nil {
		return nil, err
	}
	return lib, nil
}

// bind looks up PortAudio's functions in l.
func (l *paLib) bind(dl *dynlib.Lib) (err error) {
	err = dl.Funcs(
		dynlib.Fn{Ptr: &l.initialize, Symbol: "Pa_Initialize"},
		dynlib.Fn{Ptr: &l.terminate, Symbol: "Pa_Terminate"},
		dynlib.Fn{Ptr: &l.errorText, Symbol: "Pa_GetErrorText"},
		dynlib.Fn{Ptr: &l.deviceCount, Symbol: "Pa_GetDeviceCount"},
		dynlib.Fn{Ptr: &l.defaultInput, Symbol: "Pa_GetDefaultInputDevice"},
		dynlib.Fn{Ptr: &l.deviceInfo, Symbol: "Pa_GetDeviceInfo"},
		dynlib.Fn{Ptr: &l.openStreamFn, Symbol: "Pa_OpenStream"},
		dynlib.Fn{Ptr: &l.startStream, Symbol: "Pa_StartStream"},
		dynlib.Fn{Ptr: &l.abortStream, Symbol: "Pa_AbortStream"},
		dynlib.Fn{Ptr: &l.closeStream, Symbol: "Pa_CloseStream"},
	)
	if err != nil {
		return err
	}
	if l.readAvailable, err = dl.Sym("Pa_GetStreamReadAvailable"); err != nil {
		return err
	}
	if l.readStream, err = dl.Sym("Pa_ReadStream"); err != nil {
		return err
	}
	l.version = "PortAudio"
	var version func() string
	if dl.Func(&version, "Pa_GetVersionText") == nil {
		l.version = version()
	}
	return nil
}

// paError describes PortAudio's error code r from fn.
func (l *paLib) paError(fn string, r int32) error {
	return fmt.Errorf("%s: %s (%d)", fn, l.errorText(r), r)
}

// begin starts PortAudio; each success must be paired with end. A fresh
// start is also how PortAudio sees devices plugged in since.
func (l *paLib) begin() error {
	paMu.Lock()
	defer paMu.Unlock()
	if r := l.initialize(); r != paNoError {
		return fmt.Errorf("initialize PortAudio: %w", l.paError("Pa_Initialize", r))
	}
	l.sessions++
	return nil
}

// end ends what begin started.
func (l *paLib) end() {
	paMu.Lock()
	defer paMu.Unlock()
	_ = l.terminate() // nothing left to do about a failed teardown
	l.sessions--
}

// openSessions is how many begin calls have no end yet.
func (l *paLib) openSessions() int {
	paMu.Lock()
	defer paMu.Unlock()
	return l.sessions
}

// paInput is an input device as PortAudio describes it.
type paInput struct {
	index int32
	Device
	lowLatency float64
}

// inputs lists the input devices; PortAudio must be initialised.
func (l *paLib) inputs() ([]paInput, error) {
	paMu.Lock()
	defer paMu.Unlock()
	n := l.deviceCount()
	if n < 0 {
		return nil, fmt.Errorf("list PortAudio devices: %w", l.paError("Pa_GetDeviceCount", n))
	}
	def := l.defaultInput()
	ins := []paInput{}
	for i := range n {
		d := l.deviceInfo(i)
		if d == nil || d.maxInputChannels < 1 {
			continue
		}
		ins = append(ins, paInput{
			index: i,
			Device: Device{
				Name:        cString(d.name),
				Inputs:      int(d.maxInputChannels),
				DefaultRate: d.defaultSampleRate,
				Default:     def != paNoDevice && i == def,
			},
			lowLatency: d.defaultLowInputLatency,
		})
	}
	return ins, nil
}

// cString copies the NUL-terminated C string at p.
func cString(p *byte) string {
	if p == nil {
		return ""
	}
	n := 0
	for *(*byte)(unsafe.Add(unsafe.Pointer(p), n)) != 0 {
		n++
	}
	return string(unsafe.Slice(p, n))
}

// Devices lists the sound card inputs PortAudio sees. Without the
// library the error wraps ErrNoPortAudio.
func Devices() ([]Device, error) {
	lib, err := loadPortAudio()
	if err != nil {
		return nil, err
	}
	if err := lib.begin(); err != nil {
		return nil, err
	}
	defer lib.end()
	ins, err := lib.inputs()
	if err != nil {
		return nil, err
	}
	devs := make([]Device, len(ins))
	for i, in := range ins {
		devs[i] = in.Device
	}
	return devs, nil
}

// findInput returns the input device named name ("" = the default);
// PortAudio must be initialised.
func (l *paLib) findInput(name string) (paInput, error) {
	ins, err := l.inputs()
	if err != nil {
		return paInput{}, err
	}
	if name == "" {
		for _, in := range ins {
			if in.Default {
				return in, nil
			}
		}
		return paInput{}, fmt.Errorf("no default input device (see: onair devices)")
	}
	names := make([]string, len(ins))
	for i, in := range ins {
		names[i] = in.Name
	}
	i := pickDevice(names, name)
	if i < 0 {
		return paInput{}, fmt.Errorf("no input device matches %q (see: onair devices)", name)
	}
	return ins[i], nil
}

// paStream is an open blocking input stream of float32 samples.
type paStream struct {
	lib    *paLib
	handle uintptr // PaStream*, 0 once closed
	name   string
	ch     int
	// buf is the only memory PortAudio writes into: heap memory does
	// not move, and the stream is kept alive across each call.
	buf []float32
	// args is SyscallN's argument list, kept here because a fresh one
	// would escape to the heap on every call.
	args [3]uintptr
}

// openStream opens dev for ch channels at rate Hz.
func (l *paLib) openStream(dev paInput, ch, rate int) (*paStream, error) {
	p := paStreamParameters{
		device:           dev.index,
		channelCount:     int32(ch),
		sampleFormat:     paFloat32,
		suggestedLatency: dev.lowLatency,
	}
	var h uintptr
	if r := l.openStreamFn(&h, &p, 0, float64(rate), paFramesUnspecified, paNoFlag, 0, 0); r != paNoError {
		return nil, fmt.Errorf("open %q at %d Hz: %w", dev.Name, rate, l.paError("Pa_OpenStream", r))
	}
	return &paStream{lib: l, handle: h, name: dev.Name, ch: ch, buf: make([]float32, blockFrames*ch)}, nil
}

func (s *paStream) start() error {
	if r := s.lib.startStream(s.handle); r != paNoError {
		return fmt.Errorf("start %q: %w", s.name, s.lib.paError("Pa_StartStream", r))
	}
	return nil
}

// close stops the stream at once and frees it.
func (s *paStream) close() {
	if s.handle == 0 {
		return
	}
	_ = s.lib.abortStream(s.handle) // closing follows, which frees it anyway
	_ = s.lib.closeStream(s.handle)
	s.handle = 0
}

// available is how many frames a read can take without waiting.
func (s *paStream) available() (int, error) {
	a := s.args[:0]
	a = append(a, s.handle)
	r := dynlib.Call(s.lib.readAvailable, a...)
	runtime.KeepAlive(s)
	// A C long: negative is a PaError.
	if n := int(r); n >= 0 {
		return n, nil
	}
	return 0, fmt.Errorf("read %q: %w", s.name, s.lib.paError("Pa_GetStreamReadAvailable", int32(r)))
}

// read reads n frames, at most blockFrames, and returns them, valid until
// the next read. An overflow (the device had more than its buffer held
// since the last read) is reported but the audio read is good.
func (s *paStream) read(n int) (pcm []float32, overflowed bool, err error) {
	n = min(n, blockFrames)
	a := s.args[:0]
	a = append(a, s.handle, uintptr(unsafe.Pointer(&s.buf[0])), uintptr(n))
	r := dynlib.Call(s.lib.readStream, a...)
	runtime.KeepAlive(s)
	switch code := int32(r); code {
	case paNoError:
	case paInputOverflowed:
		overflowed = true
	default:
		return nil, false, fmt.Errorf("read %q: %w", s.name, s.lib.paError("Pa_ReadStream", code))
	}
	return s.buf[:n*s.ch], overflowed, nil
}
