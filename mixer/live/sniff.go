package live

import (
	"fmt"

	"onair/codec/adts"
	"onair/codec/mpeg"
	"onair/codec/ogg"
	"onair/codec/tags"
)

// sniffLimit is how far into the stream (past an ID3v2 tag) the sniffer
// looks for the first MP3 frame or Ogg page.
const sniffLimit = 64 << 10

// sniffSlack is room past sniffLimit for confirming a candidate found
// just before it: a second frame header, or an ADTS frame (at most 8191
// bytes).
const sniffSlack = 16 << 10

// sniffer finds what a stream is from its first bytes, whatever the
// source declared.
type sniffer struct {
	buf  []byte
	pos  int // buf[:pos] is known not to start anything
	skip int // bytes of an ID3v2 tag still to come, dropped unread
}

func newSniffer() *sniffer {
	return &sniffer{buf: make([]byte, 0, sniffLimit+sniffSlack)}
}

// add takes the next bytes of the stream and returns how many of p it
// used, and the format once it is known: the stream then starts at
// buf[pos:], followed by p[n:]. It fails, wrapping ErrUnsupported, for
// AAC, native FLAC or another Ogg codec, and with ErrUnknownFormat when
// nothing in the first sniffLimit bytes is a start.
func (s *sniffer) add(p []byte) (int, format, error) {
	used := 0
	for len(p) > 0 {
		if s.skip > 0 {
			n := min(s.skip, len(p))
			s.skip -= n
			p, used = p[n:], used+n
			continue
		}
		n := min(len(p), cap(s.buf)-len(s.buf))
		s.buf = append(s.buf, p[:n]...)
		p, used = p[n:], used+n
		f, err := s.scan()
		if err != nil || f != formatUnknown {
			return used, f, err
		}
		if len(s.buf) == cap(s.buf) {
			break
		}
	}
	if s.pos >= sniffLimit || len(s.buf) == cap(s.buf) {
		return used, formatUnknown, fmt.Errorf("%w: nothing recognisable in the first %d KiB", ErrUnknownFormat, sniffLimit>>10)
	}
	return used, formatUnknown, nil
}

// scan looks for a start from pos on. It stops, leaving pos there, at a
// candidate it needs more bytes to judge.
func (s *sniffer) scan() (format, error) {
	for s.pos < min(len(s.buf), sniffLimit) {
		b := s.buf[s.pos:]
		switch b[0] {
		case 'I', 'A':
			switch n, v := tags.At(b, false); v {
			case tags.More:
				return formatUnknown, nil
			case tags.Yes:
				s.dropTag(int(n))
				continue // the stream goes on at pos
			}
		case 'O':
			f, done, err := sniffOgg(b)
			if err != nil || f != formatUnknown || !done {
				return f, err
			}
		case 'f':
			if len(b) < 4 && couldBe(b, "fLaC") {
				return formatUnknown, nil
			}
			if couldBe(b, "fLaC") {
				return formatUnknown, unsupported("FLAC", "native FLAC stream")
			}
		case 0xFF:
			f, done, err := sniffMPEG(b)
			if err != nil || f != formatUnknown || !done {
				return f, err
			}
		}
		s.pos++
	}
	return formatUnknown, nil
}

// couldBe reports whether b starts with magic, or with as much of it as
// b holds.
func couldBe(b []byte, magic string) bool {
	n := min(len(b), len(magic))
	return string(b[:n]) == magic[:n]
}

// dropTag removes the n-byte ID3v2 tag at pos: what is buffered of it
// now, the rest as it arrives. The stream starts again after it.
func (s *sniffer) dropTag(n int) {
	have := len(s.buf) - s.pos
	if n > have {
		s.skip = n - have
		n = have
	}
	s.buf = append(s.buf[:s.pos], s.buf[s.pos+n:]...)
}

// sniffOgg judges b, starting with 'O'. It returns done when b is not the
// start of an Ogg stream (or is one of a format it names); not done when
// it needs more bytes.
func sniffOgg(b []byte) (format, bool, error) {
	if len(b) < ogg.HeaderSize {
		return formatUnknown, !couldBe(b, "OggS"), nil
	}
	// A beginning-of-stream page, whose first packet names the codec.
	p, err := ogg.ParseHeader(b)
	if err != nil || p.Flags&ogg.BOS == 0 {
		return formatUnknown, true, nil
	}
	if n, _ := ogg.PageSize(b); len(b) < n && len(p.Body) < 8 {
		return formatUnknown, false, nil
	}
	switch ogg.Identify(p.FirstPacket()) {
	case ogg.Vorbis:
		return formatVorbis, true, nil
	case ogg.Opus:
		return formatOpus, true, nil
	case ogg.FLAC:
		return formatFLAC, true, nil
	case ogg.Speex:
		return formatUnknown, true, unsupported("Speex", "Ogg Speex stream")
	}
	return formatUnknown, true, unsupported("an Ogg stream of another codec", "")
}

// sniffMPEG judges b, starting with 0xFF: the start of an MP3 stream when
// a Layer III header is followed by another of the same stream where the
// first frame ends; of an MP2 or ADTS AAC stream likewise.
func sniffMPEG(b []byte) (format, bool, error) {
	if len(b) < mpeg.HeaderSize {
		return formatUnknown, false, nil
	}
	if h, err := mpeg.ParseHeader(b); err == nil && h.Layer != 1 {
		n := h.FrameSize()
		if len(b) < n+mpeg.HeaderSize {
			return formatUnknown, false, nil
		}
		if h2, err := mpeg.ParseHeader(b[n:]); err != nil || !h.SameStream(h2) {
			return formatUnknown, true, nil
		}
		if h.Layer == 2 {
			return formatUnknown, true, unsupported("MPEG Layer II (MP2)", "")
		}
		return formatMP3, true, nil
	}
	if len(b) < adts.HeaderSize {
		return formatUnknown, !adts.HasSync(b), nil
	}
	if h, err := adts.ParseHeader(b); err == nil {
		if len(b) < h.FrameSize()+adts.HeaderSize {
			return formatUnknown, false, nil
		}
		if _, err := adts.ParseHeader(b[h.FrameSize():]); err == nil {
			return formatUnknown, true, unsupported("AAC", "ADTS stream")
		}
	}
	return formatUnknown, true, nil
}
