package decode

import (
	"fmt"
	"io"

	"onair/codec/mpeg"
	"onair/codec/tags"
)

// mp3Layout is where the audio of an MP3 file is: past any ID3v2 tags
// and the Xing/Info frame, before the tags at the end (see tags.Audio).
type mp3Layout struct {
	start, end int64       // the audio frames span [start, end)
	first      mpeg.Header // the first frame's header
	info       mpeg.Info   // what a Xing/Info/VBRI frame said
	hasInfo    bool        // there was one (and start is past it)
}

// How far past the tags the first frame may be. Encoders put it right
// after them; some taggers leave padding or junk between.
const maxSyncScan = 1 << 20

// locateMP3 finds the MP3 audio in r (size bytes). It fails with
// ErrUnsupported when no Layer III frame pair is found near the start.
func locateMP3(r io.ReaderAt, size int64) (mp3Layout, error) {
	from, end, err := tags.Audio(r, size)
	if err != nil {
		return mp3Layout{}, err
	}
	pos, h, frame := findSync(r, from, end)
	if pos < 0 {
		return mp3Layout{}, fmt.Errorf("no MPEG Layer III frames found: %w", ErrUnsupported)
	}
	l := mp3Layout{start: pos, end: end, first: h}
	if info, ok := mpeg.ParseInfo(h, frame); ok {
		// The tag frame would decode as 1152 (576) samples of silence: leave
		// it out so that the LAME delay counts from the first real one.
		l.info, l.hasInfo = info, true
		l.start += int64(len(frame))
	}
	return l, nil
}

// findSync returns the offset, header and bytes of the first Layer III
// frame in [from, end) that is followed by another frame of the same
// stream (or by the end): one valid-looking header alone is too often a
// chance match in tag or junk bytes. It returns -1 when none is within
// maxSyncScan bytes.
func findSync(r io.ReaderAt, from, end int64) (int64, mpeg.Header, []byte) {
	const stride = 64 << 10
	buf := make([]byte, stride+2*mpeg.MaxLayer3Frame+4)
	for base := from; base < end && base < from+maxSyncScan; base += stride {
		n, _ := r.ReadAt(buf[:min(int64(len(buf)), end-base)], base)
		for i := 0; i < min(n, stride); i++ {
			if buf[i] != 0xFF {
				continue
			}
			h, ok := mpeg.ParseLayer3(buf[i:n])
			if !ok {
				continue
			}
			next := i + h.FrameSize()
			if next > n {
				continue
			}
			if base+int64(next) == end {
				return base + int64(i), h, buf[i:next]
			}
			if next+4 <= n {
				if h2, ok := mpeg.ParseLayer3(buf[next:n]); ok && h.SameStream(h2) {
					return base + int64(i), h, buf[i:next]
				}
			}
		}
	}
	return -1, mpeg.Header{}, nil
}
