package library

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"onair/codec/layer3"
	"onair/codec/mpeg"
	"onair/codec/ogg"
	"onair/codec/tags"
)

// Probing a file is four cheap looks instead of one expensive full decode
// (which would take hours on a big library):
//
//  1. walk the container through the whole file (MP3 frame headers, Ogg
//     pages), which finds garbage, text named .mp3, cut-off files and
//     headers that lie, and counts the exact duration;
//  2. read the tags;
//  3. decode the head with the decoders the station plays the file with
//     (package layer3 for MP3, package vorbis for Ogg Vorbis), proving
//     that it really plays;
//  4. check the tail (probeTail).

// probeHead is how much of each file is decoded from the start. Decoding
// the head and the tail is most of a probe's CPU time, so the two set the
// speed of a full scan (library_bench_test.go: 10,000 files of 2 s took
// 42 s of CPU with a 1 s head and 60 tail frames, over the 20 s target on
// the 2-core reference machine). Half a second is some 20 MP3 frames past
// the encoder delay: the decoder has taken the stream's headers, side info
// and bit reservoir, and the walk has checked every frame header between
// head and tail.
const probeHead = 500 * time.Millisecond

// probeResult is what probing a file found.
type probeResult struct {
	Track          // Format, the tags, DurationMS, SampleRate, Bitrate and Error
	Warning string // oddities that do not stop the file from playing; "" if none
}

// prober probes files one at a time, reusing its buffers; each of the
// scan's workers has its own.
type prober struct {
	br    *bufio.Reader
	pcm   []float32
	frame []byte         // one MP3 frame of the head or the tail
	mp3   layer3.Decoder // decodes the head and the tail
}

func newProber() *prober {
	return &prober{br: bufio.NewReaderSize(nil, 128<<10), pcm: make([]float32, 4096), frame: make([]byte, 0, 2048)}
}

// probe reads what the library keeps about the audio file at path. A file
// that is not audio or does not play comes back with Error set; the error
// is for a file that could not be read at all (permissions, I/O).
func (p *prober) probe(path string) (probeResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return probeResult{}, fmt.Errorf("probe: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return probeResult{}, fmt.Errorf("probe: %w", err)
	}
	size := fi.Size()
	var magic [4]byte
	if n, err := f.ReadAt(magic[:], 0); n < len(magic) && err != nil && err != io.EOF {
		return probeResult{}, fmt.Errorf("probe %s: %w", path, err)
	}
	var r probeResult
	var walkErr error
	var facts probeFacts
	if ogg.HasCapture(magic[:]) {
		r.Format = "ogg"
		facts, walkErr = p.walkOgg(f, size, &r)
	} else {
		r.Format = "mp3"
		facts, walkErr = p.walkMP3(f, size, &r)
	}
	var ioErr *probeIOError
	if errors.As(walkErr, &ioErr) {
		return probeResult{}, fmt.Errorf("probe %s: %w", path, ioErr.err)
	}
	if walkErr != nil {
		if r.Format == "mp3" && errors.Is(walkErr, errProbeNotAudio) {
			r.Format = ""
		}
		r.Error = walkErr.Error()
		return r, nil
	}
	if t, err := tags.Read(path); err == nil {
		r.Artist, r.Title, r.Album = probeClean(t.Artist), probeClean(t.Title), probeClean(t.Album)
		if l := t.Loudness; l != nil {
			// Used until the file is measured (see docs/DESIGN.md).
			lufs := max(l.LUFS, loudnessFloor)
			r.LoudnessLUFS, r.LoudnessSource = &lufs, LoudnessTag
			if !math.IsNaN(l.Peak) {
				peak := max(l.Peak, loudnessFloor)
				r.TruePeakDBTP = &peak
			}
		}
	} else {
		r.warn("unreadable tags")
	}
	if err := p.decodeHead(facts); err != nil {
		r.Error = err.Error()
		return r, nil
	}
	warning, err := p.probeTail(facts)
	r.warn(warning)
	if err != nil {
		r.Error = err.Error()
	}
	return r, nil
}

// errProbeNotAudio marks a file that is neither MP3 nor Ogg.
var errProbeNotAudio = errors.New("not an MP3 or Ogg Vorbis file")

// probeIOError is a read error met during a walk: the file could not be
// looked at, which says nothing about its content.
type probeIOError struct{ err error }

func (e *probeIOError) Error() string { return e.err.Error() }

// warn adds a warning to r's.
func (r *probeResult) warn(w string) {
	switch {
	case w == "":
	case r.Warning == "":
		r.Warning = w
	default:
		r.Warning += "; " + w
	}
}

// setLength fills the duration and average bitrate from a sample count
// and the audio's size in bytes; cbr, when not 0, is the bitrate every
// frame has.
func (r *probeResult) setLength(samples, bytes int64, rate, cbr int) {
	r.SampleRate = rate
	if rate <= 0 || samples <= 0 {
		return
	}
	r.DurationMS = int64(math.Round(float64(samples) * 1000 / float64(rate)))
	switch {
	case cbr > 0:
		r.Bitrate = cbr
	default:
		r.Bitrate = int(math.Round(float64(bytes) * 8 * float64(rate) / float64(samples) / 1000))
	}
}

// probeFacts is what the walk saw for the decoding checks.
type probeFacts struct {
	cut  int64  // bytes missing from the last frame or page: the file was cut short
	unit string // "frame" or "page"
	file *os.File
	// MP3: the first frame's header, the first frames (probeHead of
	// audio and the encoder's delay) and the last ones, in order.
	first mpeg.Header
	head  []probeSpan
	tail  []probeSpan
	// Ogg: the verdict of decoding the head, which the walk did as it
	// went past the first stream's pages.
	headErr error
}

// probeHeadFrames bounds the MP3 frames decoded from the start: probeHead
// at 48 kHz (21 frames) and the longest encoder delay (4 frames).
const probeHeadFrames = 32

// layerNames are the MPEG audio layers by number.
var layerNames = [4]string{"", "I", "II", "III"}

// decodeHead decodes the first probeHead of the file with the decoder
// the station plays it with. Frames whose main data begins before the
// file does (the first after the Info frame may) lack their bit
// reservoir, which is no fault of the file; most of the others failing
// means the file does not play.
func (p *prober) decodeHead(t probeFacts) error {
	if t.unit == "page" {
		return t.headErr
	}
	if t.first.Layer != 3 {
		return fmt.Errorf("does not decode: %v Layer %s audio; the station plays Layer III", t.first.Version, layerNames[t.first.Layer])
	}
	p.mp3.Reset()
	want := int(probeHead.Seconds() * float64(t.first.SampleRate))
	got, bad, tried := 0, 0, 0
	for _, fr := range t.head {
		if got >= want {
			break
		}
		n, err := p.decodeFrame(t.file, fr)
		got += n
		if errors.Is(err, layer3.ErrNoMainData) {
			continue
		}
		var ioErr *probeIOError
		if errors.As(err, &ioErr) {
			return fmt.Errorf("unreadable at the start: %w", ioErr.err)
		}
		tried++
		if err != nil {
			bad++
		}
	}
	switch {
	case tried > 0 && bad*2 > tried:
		return fmt.Errorf("does not decode: %d of the first %d frames are damaged", bad, tried)
	case got == 0:
		return errors.New("does not decode: no audio")
	}
	return nil
}

// decodeFrame decodes the MP3 frame at fr with the prober's decoder and
// returns the samples it gave; a read error is a *probeIOError.
func (p *prober) decodeFrame(f *os.File, fr probeSpan) (int, error) {
	if fr.n > int64(cap(p.frame)) {
		p.frame = make([]byte, 0, fr.n)
	}
	b := p.frame[:fr.n]
	if _, err := f.ReadAt(b, fr.off); err != nil {
		return 0, &probeIOError{err}
	}
	return p.mp3.Decode(b, p.pcm)
}

// probeTailFrames is how many MP3 frames at the end are decoded: about
// 0.6 s at 44.1 kHz, enough to find an end that is damaged past its
// headers, which the walk alone cannot see.
const probeTailFrames = 24

// probeTail checks that the end of the file plays. An MP3's last frames
// are decoded (frames whose main data begins before the jump lack their
// bit reservoir, which is no fault of the file); most of them failing is
// an error, a few a warning.
// For Ogg, the walk has checked every page's CRC already. A last frame or
// page cut short is a warning: the file plays up to the cut.
func (p *prober) probeTail(t probeFacts) (warning string, err error) {
	if t.cut > 0 {
		warning = fmt.Sprintf("truncated: the last %s lacks %d bytes", t.unit, t.cut)
	}
	if len(t.tail) == 0 {
		return warning, nil
	}
	p.mp3.Reset()
	bad, tried := 0, 0
	for _, fr := range t.tail {
		_, err := p.decodeFrame(t.file, fr)
		if errors.Is(err, layer3.ErrNoMainData) {
			continue // its reservoir is from before the jump
		}
		var ioErr *probeIOError
		if errors.As(err, &ioErr) {
			return warning, fmt.Errorf("unreadable at the end: %w", ioErr.err)
		}
		tried++
		if err != nil {
			bad++
		}
	}
	switch {
	case tried > 0 && bad*2 > tried:
		return warning, fmt.Errorf("does not decode at the end: %d of the last %d frames are damaged", bad, tried)
	case bad > 0:
		if warning != "" {
			warning += "; "
		}
		warning += fmt.Sprintf("%d of the last %d frames are damaged", bad, tried)
	}
	return warning, nil
}

// probeClean trims a tag value and turns control characters (a NUL
// between two artists, a line break) into spaces and drops invalid UTF-8:
// neither belongs in a title shown on a web page or sent as ICY metadata.
func probeClean(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F || r >= 0x80 && r < 0xA0 {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
