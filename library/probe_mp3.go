package library

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"onair/codec/mpeg"
	"onair/codec/tags"
)

// The MP3 walk follows the chain of frame headers (ISO/IEC 11172-3
// §2.4.2.3, 13818-3): each header gives its frame's length, so the next
// header must be right behind it. Where it is not, the chain is broken
// (garbage, a lost byte, a header that lies about its length) and the walk
// searches for the next frame that another frame of the same stream
// follows: one header-shaped group of bytes alone is too often chance.

// Limits of the MP3 walk.
const (
	// probeMaxLead is how far past the ID3v2 tags the first frame may be.
	probeMaxLead = 1 << 20
	// probeMaxGap is the most garbage the walk crosses in one place.
	probeMaxGap = 1 << 20
)

// probeMP3Walk is what walking an MP3 file's frames found.
type probeMP3Walk struct {
	first   mpeg.Header // the first audio frame's header
	frames  int64       // audio frames (a Xing/Info frame not counted)
	bytes   int64       // their bytes
	cbr     bool        // every audio frame has first.Bitrate
	info    mpeg.Info   // what a Xing/Info/VBRI frame said
	hasInfo bool
	lead    int64 // bytes between the ID3v2 tags and the first frame
	junk    int64 // bytes in the chain that were neither frames nor tags
	damaged int   // places where the chain broke
	cut     int64 // bytes of a last frame cut short by the end of the file
	lacks   int64 // bytes that frame lacks
	// head holds where the first frames are, for decoding the start of
	// the file; tail where the last are, for its end, and tailN counts
	// the frames recorded there (the ring wraps).
	head  []probeSpan
	tail  [probeTailFrames]probeSpan
	tailN int
}

// probeSpan is a frame's place in the file.
type probeSpan struct{ off, n int64 }

// walkMP3 walks the MP3 file f of size bytes and fills r's format,
// duration, rate and bitrate. It returns an error wrapping
// errProbeNotAudio when there are no MPEG audio frames, another error for
// a file too damaged to play, and a *probeIOError when f cannot be read.
func (p *prober) walkMP3(f *os.File, size int64, r *probeResult) (probeFacts, error) {
	start, end, err := tags.Audio(f, size)
	if err != nil {
		return probeFacts{}, &probeIOError{err}
	}
	p.br.Reset(io.NewSectionReader(f, start, end-start))
	w := probeMP3Walker{br: p.br, left: end - start, base: start, total: end - start}
	lead, ok, err := w.resync(nil, probeMaxLead)
	if err != nil {
		return probeFacts{}, err
	}
	if !ok {
		return probeFacts{}, fmt.Errorf("%w (no MPEG audio frames)", errProbeNotAudio)
	}
	res, err := w.walk(lead)
	if err != nil {
		return probeFacts{}, err
	}
	facts, err := res.verdict(r)
	facts.file = f
	return facts, err
}

// probeMP3Walker reads the audio part of an MP3 file through br.
type probeMP3Walker struct {
	br    *bufio.Reader
	left  int64 // bytes not yet discarded from br
	base  int64 // br's first byte in the file
	total int64 // br's length
}

// walk walks the chain from the first frame, which br is at, to the end.
func (w *probeMP3Walker) walk(lead int64) (probeMP3Walk, error) {
	res := probeMP3Walk{lead: lead, cbr: true, head: make([]probeSpan, 0, probeHeadFrames)}
	hdr, _ := w.br.Peek(mpeg.HeaderSize)
	ref, _ := mpeg.ParseHeader(hdr) // resync found it valid
	if b, err := w.br.Peek(min(ref.FrameSize(), int(w.left))); err == nil || err == io.EOF {
		if res.info, res.hasInfo = mpeg.ParseInfo(ref, b); res.hasInfo && len(b) == ref.FrameSize() {
			// The tag frame is silence to a decoder: not part of the audio.
			if err := w.discard(len(b)); err != nil {
				return res, err
			}
		}
	}
	for w.left > 0 {
		hdr, err := w.br.Peek(mpeg.HeaderSize)
		if len(hdr) < mpeg.HeaderSize {
			if err != nil && err != io.EOF {
				return res, &probeIOError{err}
			}
			res.junk += int64(len(hdr)) // a stray byte or three at the end
			break
		}
		h, err := mpeg.ParseHeader(hdr)
		if err == nil && h.SameStream(ref) {
			n := int64(h.FrameSize())
			if n > w.left {
				res.cut, res.lacks = w.left, n-w.left
				break
			}
			if res.frames == 0 {
				res.first = h
			} else if h.Bitrate != res.first.Bitrate {
				res.cbr = false
			}
			res.frames++
			res.bytes += n
			span := probeSpan{off: w.base + w.total - w.left, n: n}
			if len(res.head) < probeHeadFrames {
				res.head = append(res.head, span)
			}
			res.tail[res.tailN%probeTailFrames] = span
			res.tailN++
			if err := w.discard(int(n)); err != nil {
				return res, err
			}
			continue
		}
		if n := w.tagHere(); n > 0 {
			// A tag in the middle: concatenated files.
			if err := w.discard(int(min(n, w.left))); err != nil {
				return res, err
			}
			continue
		}
		res.damaged++
		skipped, ok, err := w.resync(&ref, probeMaxGap)
		res.junk += skipped
		if err != nil {
			return res, err
		}
		if !ok {
			if w.left > 0 {
				return res, fmt.Errorf("corrupt: no MPEG audio frame in %d bytes", skipped)
			}
			break
		}
	}
	return res, nil
}

// discard moves past n bytes.
func (w *probeMP3Walker) discard(n int) error {
	d, err := w.br.Discard(n)
	w.left -= int64(d)
	if err != nil && err != io.EOF {
		return &probeIOError{err}
	}
	return nil
}

// tagHere returns the length of a tag starting where the walk is, at a
// frame boundary, or 0.
func (w *probeMP3Walker) tagHere() int64 {
	b, _ := w.br.Peek(tags.MaxProbe)
	if n, v := tags.At(b, true); v == tags.Yes {
		return n
	}
	return 0
}

// resync moves to the next frame of the stream ref (any stream when ref is
// nil) that another frame of that stream, a tag or the end of the audio
// follows, giving up after limit bytes. A frame cut short by the end is
// taken only in a known stream. It returns how many bytes it skipped and
// whether it found a frame.
func (w *probeMP3Walker) resync(ref *mpeg.Header, limit int64) (int64, bool, error) {
	var skipped int64
	for {
		buf, err := w.br.Peek(w.br.Size())
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return skipped, false, &probeIOError{err}
		}
		if int64(len(buf)) > w.left {
			buf = buf[:w.left]
		}
		atEnd := err == io.EOF || int64(len(buf)) == w.left
		i, found, more := probeFindFrame(buf, ref, atEnd)
		if skipped+int64(i) > limit {
			return skipped + int64(i), false, nil
		}
		if err := w.discard(i); err != nil {
			return skipped, false, err
		}
		skipped += int64(i)
		switch {
		case found:
			return skipped, true, nil
		case !more || i == 0:
			// Nothing more to look at: the rest is junk.
			rest := int(min(w.left, int64(len(buf)-i)))
			if err := w.discard(rest); err != nil {
				return skipped, false, err
			}
			return skipped + int64(rest), false, nil
		}
	}
}

// probeFindFrame looks in buf for a frame header of ref's stream (any when
// ref is nil) whose frame another frame of the stream or a tag follows, or
// which ends at the end of the audio (atEnd: buf reaches it). It returns
// where the frame is and true, or how many bytes can be dropped and
// whether the search must go on with more bytes.
func probeFindFrame(buf []byte, ref *mpeg.Header, atEnd bool) (int, bool, bool) {
	i := 0
	for {
		j := bytes.IndexByte(buf[i:], 0xFF)
		if j < 0 {
			return len(buf), false, !atEnd
		}
		i += j
		if i+mpeg.HeaderSize > len(buf) {
			return i, false, !atEnd
		}
		h, err := mpeg.ParseHeader(buf[i:])
		if err != nil || ref != nil && !h.SameStream(*ref) {
			i++
			continue
		}
		next := i + h.FrameSize()
		switch {
		case next+mpeg.HeaderSize <= len(buf):
			if h2, err := mpeg.ParseHeader(buf[next:]); err == nil && h2.SameStream(h) {
				return i, true, false
			}
			if _, v := tags.At(buf[next:], true); v == tags.Yes {
				return i, true, false
			}
		case !atEnd:
			return i, false, true // the window must move on to see the next frame
		case next <= len(buf):
			return i, true, false // the last frame, and perhaps a stray byte
		case ref != nil:
			return i, true, false // a last frame cut short, in a known stream
		}
		i++
	}
}

// verdict judges the walk and fills r.
func (res probeMP3Walk) verdict(r *probeResult) (probeFacts, error) {
	if res.frames == 0 {
		return probeFacts{}, errors.New("corrupt: no complete MPEG audio frame")
	}
	h := res.first
	spf := int64(h.Samples())
	if res.junk*8 > res.bytes+res.junk || res.damaged > max(16, int(res.frames/50)) {
		return probeFacts{}, fmt.Errorf("corrupt: %d damaged places, %d bytes of garbage in %d bytes of frames",
			res.damaged, res.junk, res.bytes)
	}
	if res.damaged > 0 {
		r.warn(fmt.Sprintf("%d damaged places (%d bytes skipped)", res.damaged, res.junk))
	}
	if res.lead > 4096 {
		r.warn(fmt.Sprintf("%d bytes of garbage before the first frame", res.lead))
	}
	// The walk counted every frame the decoder will play. A Xing/VBRI
	// count that agrees (within 1 %) is the encoder's own and is taken;
	// one that does not lies (or the file was cut or patched), and the
	// walk's is.
	count := res.frames
	if hf := res.info.Frames; hf > 0 {
		diff := hf - res.frames
		if diff < 0 {
			diff = -diff
		}
		switch {
		case diff > max(1, res.frames/100):
			r.warn(fmt.Sprintf("the %s header says %d frames, the file has %d", res.info.Kind, hf, res.frames))
		case res.cut == 0 && res.damaged == 0:
			count = hf
		}
	}
	samples := count * spf
	if res.info.Gapless {
		// What the decoder plays: the encoder's delay and padding are cut.
		samples -= int64(res.info.Delay + res.info.Padding)
	}
	cbr := 0
	if res.cbr {
		cbr = h.Bitrate
	}
	r.setLength(max(samples, 0), res.bytes, h.SampleRate, cbr)
	facts := probeFacts{cut: res.lacks, unit: "frame", first: res.first, head: res.head}
	for i := max(res.tailN-probeTailFrames, 0); i < res.tailN; i++ {
		facts.tail = append(facts.tail, res.tail[i%probeTailFrames])
	}
	return facts, nil
}
