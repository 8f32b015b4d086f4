package decode

import (
	"fmt"
	"io"

	"onair/codec/mpeg"
	"onair/codec/tags"
)

// frameReader cuts the audio bytes of an MP3 file into frames with
// mpeg.ParseLayer3. Bytes that are not a frame of the stream (damage, a
// stray tag between two concatenated files) are skipped until two frames
// in a row agree again; a tag (tags.At) is skipped whole.
type frameReader struct {
	r    io.ReaderAt
	next int64 // file offset of buf[hi]
	end  int64 // the audio ends here
	buf  []byte
	lo   int // buf[lo:hi] is read and not yet returned
	hi   int
	want mpeg.Header // the stream's first header: frames must match it
}

func newFrameReader(r io.ReaderAt, l mp3Layout) *frameReader {
	return &frameReader{r: r, next: l.start, end: l.end, buf: make([]byte, 16<<10), want: l.first}
}

// frame returns the next whole frame (valid until the next call) and how
// many bytes were skipped before it, or nil at the end of the audio: a
// last frame cut short by the end counts as the end. It fails, wrapping
// ErrCorrupt, when maxSyncScan bytes in a row hold no frame.
func (fr *frameReader) frame() ([]byte, int64, error) {
	var skipped int64
	for {
		if skipped > maxSyncScan {
			return nil, skipped, fmt.Errorf("no MPEG frame in %d bytes: %w", skipped, ErrCorrupt)
		}
		if !fr.fill(4) {
			return nil, skipped, nil
		}
		b := fr.buf[fr.lo:fr.hi]
		if h, ok := mpeg.ParseLayer3(b); ok && h.SameStream(fr.want) {
			n := h.FrameSize()
			if !fr.fill(n) {
				return nil, skipped, nil
			}
			// After junk, one header is too often a chance match: the
			// next one must agree too (or the audio end there).
			if skipped == 0 || fr.followed(n) {
				f := fr.buf[fr.lo : fr.lo+n]
				fr.lo += n
				return f, skipped, nil
			}
		} else if b[0] == 'I' || b[0] == 'A' || b[0] == 'T' {
			// Near the end there may be less than a tag's probe: what
			// is there is judged (More counts as no tag).
			fr.fill(tags.MaxProbe)
			if size, v := tags.At(fr.buf[fr.lo:fr.hi], skipped == 0); v == tags.Yes {
				fr.skip(size)
				skipped += size
				continue
			}
		}
		fr.lo++
		skipped++
	}
}

// followed reports whether the frame of n bytes at lo is followed by
// another of the stream, or by the end of the audio.
func (fr *frameReader) followed(n int) bool {
	if !fr.fill(n + 4) {
		return fr.next == fr.end && fr.hi-fr.lo == n
	}
	h, ok := mpeg.ParseLayer3(fr.buf[fr.lo+n : fr.hi])
	return ok && h.SameStream(fr.want)
}

// fill makes buf[lo:hi] hold at least n bytes, reading more, and reports
// whether the audio has that many left.
func (fr *frameReader) fill(n int) bool {
	if fr.hi-fr.lo >= n {
		return true
	}
	if fr.lo+n > len(fr.buf) {
		fr.hi = copy(fr.buf, fr.buf[fr.lo:fr.hi])
		fr.lo = 0
	}
	for fr.hi-fr.lo < n && fr.next < fr.end {
		m, err := fr.r.ReadAt(fr.buf[fr.hi:min(int64(len(fr.buf)), int64(fr.hi)+fr.end-fr.next)], fr.next)
		fr.hi += m
		fr.next += int64(m)
		if err != nil && m == 0 {
			// A read error (not just the end) ends the audio here too.
			fr.end = fr.next
		}
	}
	return fr.hi-fr.lo >= n
}

// skip drops the next n bytes, read or not.
func (fr *frameReader) skip(n int64) {
	if have := int64(fr.hi - fr.lo); n <= have {
		fr.lo += int(n)
		return
	}
	n -= int64(fr.hi - fr.lo)
	fr.lo, fr.hi = 0, 0
	fr.next = min(fr.next+n, fr.end)
}
