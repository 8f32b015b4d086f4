// Package mp3enc turns the engine's interleaved stereo float32 PCM into MP3.
//
// Two encoders sit behind one interface. LAME, the better one, is loaded at
// run time from libmp3lame.so.0 without cgo (through purego), so a binary
// built with CGO_ENABLED=0 still uses it where the library is installed.
// Where it is not, shine, a pure-Go fixed-point encoder, takes over: it only
// does 128 kbps stereo at 32, 44.1 and 48 kHz (mono input is sent as two
// equal channels), and it sounds worse. Building with -tags nolame leaves
// LAME (and purego) out altogether, for a static binary: purego makes even
// a CGO_ENABLED=0 binary load the system's C library at startup.
//
// Neither encoder's output per call lines up with MP3 frames: the caller
// splits frames (see package onair/codec/frames).
package mp3enc

import (
	"fmt"
	"slices"
	"strings"
)

// Kinds of encoder that [Options.Kind] names.
const (
	KindAuto  = "auto"  // LAME where the library loads, shine otherwise
	KindLAME  = "lame"  // LAME or an error
	KindShine = "shine" // shine even where LAME would load
)

// Defaults that the zero values of [Options] stand for.
const (
	DefaultBitrate    = 128   // kbps
	DefaultSampleRate = 44100 // Hz
	DefaultChannels   = 2
	DefaultQuality    = 5 // LAME -q: 0 best and slowest, 9 worst and fastest
)

// QualityBest is the [Options.Quality] that asks for LAME's -q 0, which
// the zero value, standing for [DefaultQuality], cannot.
const QualityBest = -1

// LAMEQuality returns the [Options.Quality] for LAME's -q q (0 to 9), as a
// configuration file gives it.
func LAMEQuality(q int) int {
	if q == 0 {
		return QualityBest
	}
	return q
}

// lameLibrary is the shared object LAME is loaded from, as Debian's
// libmp3lame0 installs it.
const lameLibrary = "libmp3lame.so.0"

// lameInstall is the fix to offer when the library is missing.
const lameInstall = "apt install libmp3lame0"

// Options configure an encoder. The zero value of a field stands for its
// default: auto, 128 kbps, 44.1 kHz, stereo, quality 5.
type Options struct {
	Kind       string // "auto", "lame" or "shine"
	Bitrate    int    // kbps, constant
	SampleRate int    // Hz, of the input and of the MP3
	Channels   int    // 1 or 2; the input is interleaved with this many channels
	Quality    int    // LAME -q, 1 (best) to 9 (fastest), or QualityBest for 0; 0 means 5. Shine ignores it.

	// library overrides lameLibrary, so that tests can ask for one that
	// does not exist.
	library string
}

// Encoder turns PCM into MP3. An Encoder is not safe for concurrent use.
type Encoder interface {
	// Encode appends the MP3 bytes for pcm (interleaved, Channels per
	// frame, any length, values in [-1,1]) to dst and returns it. Steady
	// state does not allocate, apart from growing dst.
	Encode(dst []byte, pcm []float32) ([]byte, error)
	// Flush appends whatever is buffered (padding the last frame with
	// silence) and resets the encoder for a new stream.
	Flush(dst []byte) ([]byte, error)
	// Name says which encoder this is: "lame 3.100" or "shine".
	Name() string
	// Close releases the encoder; it must not be used afterwards.
	Close() error
}

// New returns an encoder for o. When o asks for auto and LAME cannot be
// loaded, it returns shine with a note saying so and how to fix it, for
// the caller to log once at startup; otherwise the note is empty.
func New(o Options) (enc Encoder, note string, err error) {
	o, err = o.normalize()
	if err != nil {
		return nil, "", err
	}
	if o.Kind == KindShine {
		if o.Bitrate != shineBitrate {
			return nil, "", fmt.Errorf("%w: shine only does %d kbps, not %d: set bitrate: %d, or %s and set encoder: auto",
				ErrBitrate, shineBitrate, o.Bitrate, shineBitrate, lameInstall)
		}
		s, err := newShine(o)
		if err != nil {
			return nil, "", err
		}
		return s, "", nil
	}
	lib, lerr := loadLAME(o.library)
	if lerr == nil {
		l, err := newLAME(lib, o)
		if err != nil {
			return nil, "", err
		}
		return l, "", nil
	}
	if o.Kind == KindLAME {
		return nil, "", fmt.Errorf("%w: %v: %s, or set encoder: auto to fall back to shine", ErrNoLAME, lerr, lameHint)
	}
	if o.Bitrate != shineBitrate {
		return nil, "", fmt.Errorf("%w: %d kbps needs LAME and %v: %s, or set bitrate: %d",
			ErrBitrate, o.Bitrate, lerr, lameHint, shineBitrate)
	}
	s, err := newShine(o)
	if err != nil {
		return nil, "", err
	}
	return s, fmt.Sprintf("%v: using shine (%d kbps only); %s for better sound", lerr, shineBitrate, lameHint), nil
}

// lameQuality is the -q to give LAME for o, which normalize checked.
func (o Options) lameQuality() int {
	if o.Quality == QualityBest {
		return 0
	}
	return o.Quality
}

// mpeg1Rates and the rest are the sample rates of each MPEG audio version
// and mpeg1Bitrates and mpeg2Bitrates their layer III bitrates in kbps.
var (
	mpeg1Rates    = []int{32000, 44100, 48000}
	mpeg2Rates    = []int{16000, 22050, 24000}
	mpeg25Rates   = []int{8000, 11025, 12000}
	mpeg1Bitrates = []int{32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}
	mpeg2Bitrates = []int{8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}
)

// normalize fills in defaults and checks o, quoting the configuration key
// in its errors.
func (o Options) normalize() (Options, error) {
	o.Kind = strings.ToLower(o.Kind)
	if o.Kind == "" {
		o.Kind = KindAuto
	}
	if o.Bitrate == 0 {
		o.Bitrate = DefaultBitrate
	}
	if o.SampleRate == 0 {
		o.SampleRate = DefaultSampleRate
	}
	if o.Channels == 0 {
		o.Channels = DefaultChannels
	}
	if o.Quality == 0 {
		o.Quality = DefaultQuality
	}
	if o.library == "" {
		o.library = lameLibrary
	}
	switch o.Kind {
	case KindAuto, KindLAME, KindShine:
	default:
		return o, fmt.Errorf("%w: 'encoder' must be auto, lame or shine, not %q", ErrKind, o.Kind)
	}
	if o.Channels != 1 && o.Channels != 2 {
		return o, fmt.Errorf("%w: 'channels' must be 1 or 2, not %d", ErrChannels, o.Channels)
	}
	if (o.Quality < 0 && o.Quality != QualityBest) || o.Quality > 9 {
		return o, fmt.Errorf("%w: 'quality' must be one of 0…9, not %d", ErrQuality, o.Quality)
	}
	bitrates := mpeg1Bitrates
	switch {
	case slices.Contains(mpeg1Rates, o.SampleRate):
	case slices.Contains(mpeg2Rates, o.SampleRate), slices.Contains(mpeg25Rates, o.SampleRate):
		bitrates = mpeg2Bitrates
	default:
		return o, fmt.Errorf("%w: 'sample_rate' must be an MPEG audio rate (32000, 44100 or 48000, or half or a quarter of one), not %d",
			ErrSampleRate, o.SampleRate)
	}
	if !slices.Contains(bitrates, o.Bitrate) {
		return o, fmt.Errorf("%w: 'bitrate' must be one of %v at %d Hz, not %d",
			ErrBitrate, bitrates, o.SampleRate, o.Bitrate)
	}
	return o, nil
}
