package live

import (
	"fmt"
	"log/slog"

	"onair/codec/layer3"
	"onair/codec/mpeg"
	"onair/codec/tags"
)

// maxLost is how many bytes in a row may go by with nothing decodable in
// them before the Decoder gives up on the stream.
const maxLost = 1 << 20

// mp3BufLen holds a partial frame and the next header to confirm it.
const mp3BufLen = 4 * mpeg.MaxLayer3Frame

// mp3Stream cuts an MP3 byte stream into frames and decodes them. It
// follows the stream frame by frame while each header is where the last
// frame ends; when one is not, it hunts byte by byte for a header followed
// by another of the same stream, and starts again from there.
type mp3Stream struct {
	log    *slog.Logger
	out    *output
	stats  *counters
	dec    layer3.Decoder
	buf    [mp3BufLen]byte
	n      int // buf[:n] holds bytes not yet used
	synced bool
	cur    mpeg.Header // the stream's first header since the last sync
	first  bool        // the next frame is the first since a sync
	skip   int         // bytes of a tag still to drop
	lost   int         // bytes skipped since the last frame
	pcm    [2 * 1152]float32
}

func newMP3Stream(log *slog.Logger, out *output, stats *counters) *mp3Stream {
	return &mp3Stream{log: log, out: out, stats: stats}
}

// write takes the next bytes of the stream.
func (s *mp3Stream) write(p []byte) error {
	for len(p) > 0 {
		if s.skip > 0 {
			n := min(s.skip, len(p))
			s.skip -= n
			p = p[n:]
			continue
		}
		n := copy(s.buf[s.n:], p)
		s.n += n
		p = p[n:]
		if err := s.frames(); err != nil {
			return err
		}
	}
	return nil
}

// frames decodes every whole frame in buf and keeps what is left.
func (s *mp3Stream) frames() error {
	pos := 0
	defer func() {
		s.n = copy(s.buf[:], s.buf[pos:s.n])
	}()
	for {
		b := s.buf[pos:s.n]
		if len(b) < 4 {
			return nil
		}
		if s.synced {
			h, ok := mpeg.ParseLayer3(b)
			if ok && h.SameStream(s.cur) {
				if len(b) < h.FrameSize() {
					return nil
				}
				if err := s.frame(h, b[:h.FrameSize()]); err != nil {
					return err
				}
				pos += h.FrameSize()
				continue
			}
			s.synced = false
			s.log.Debug("live MP3 lost sync")
		}
		// Hunting. A tag (a source sending files back to back) is
		// dropped whole; an ID3v1 tag only where a frame ended.
		switch n, v := tags.At(b, s.lost == 0); v {
		case tags.More:
			return nil
		case tags.Yes:
			if n > int64(len(b)) {
				s.skip = int(n) - len(b)
				n = int64(len(b))
			}
			pos += int(n)
			continue
		}
		if h, ok := mpeg.ParseLayer3(b); ok {
			if len(b) < h.FrameSize()+mpeg.HeaderSize {
				return nil
			}
			if h2, ok := mpeg.ParseLayer3(b[h.FrameSize():]); ok && h.SameStream(h2) {
				if s.lost > 0 {
					s.log.Debug("live MP3 in sync again", "skipped", s.lost)
				}
				s.synced, s.cur, s.first = true, h, true
				// The reservoir holds main data from before the gap: the
				// first frames after it have theirs missing.
				s.dec.Reset()
				continue
			}
		}
		pos++
		s.lost++
		s.stats.skipped.Add(1)
		if s.lost > maxLost {
			return fmt.Errorf("%w: no MP3 frame in %d KiB", ErrCorrupt, maxLost>>10)
		}
	}
}

// frame decodes one frame and writes its audio out. A frame that does
// not decode, as the first ones after a sync whose main data lies in the
// lost bytes, gives the decoder's fade to silence instead.
func (s *mp3Stream) frame(h mpeg.Header, f []byte) error {
	first := s.first
	s.first, s.lost = false, 0
	if first {
		if _, ok := mpeg.ParseInfo(h, f); ok {
			return nil // a Xing, Info or VBRI frame: not audio
		}
	}
	n, err := s.dec.Decode(f, s.pcm[:])
	if err != nil {
		s.stats.badFrames.Add(1)
	}
	if n == 0 {
		return nil
	}
	return s.out.write(s.pcm[:2*n], h.SampleRate)
}
