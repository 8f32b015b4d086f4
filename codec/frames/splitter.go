package frames

import (
	"math"

	"onair/codec/tags"
)

// Splitter cuts a live stream, arriving in chunks of any size, into whole
// frames of one codec.
//
// It searches for a header whose successor, one frame length further, is a
// valid header consistent with it: for MP3 the same version, layer and sample
// rate; for ADTS the same sample rate, profile, channel configuration and ID
// bit. Only then does it lock. A lone header is not enough because garbage is
// full of plausible ones. Locked, it emits each frame once the start of the
// next one has arrived and validates (a consistent header, or a tag).
//
// When a locked frame's successor fails validation, the splitter resyncs. If
// a lockable frame or a tag starts inside the failed frame, the frame was cut
// short (an encoder restarted mid-frame): it is dropped and the new stream
// picked up where it starts. Otherwise the frame is whole and followed by
// garbage: it is emitted and the search resumes at its end.
//
// ID3v2 and APE tags anywhere outside frames, and ID3v1 tags ("TAG", 128
// bytes) where a frame would start, are skipped without being buffered,
// however long. After a tag the splitter locks afresh, since the next file
// may be in another format. Everything else outside frames is counted as
// skipped and dropped.
//
// In steady state a Splitter does not allocate: frames lying whole in the
// caller's chunk are handed over in place, and only a chunk's unfinished
// tail is copied to an internal buffer of fixed size.
//
// A Splitter is not safe for concurrent use. Read [Splitter.Stats] and
// [Splitter.Info] from the goroutine that calls Split and publish copies.
type Splitter struct {
	codec    Codec
	maxFrame int
	buf      []byte // the unfinished tail of earlier chunks; never grows
	skip     int64  // bytes of a tag still to skip
	need     int    // bytes to hold before scanning again is worth it
	locked   bool   // a validated frame header starts the unconsumed input
	boundary bool   // the unconsumed input starts where a frame or tag ended
	stats    Stats
	info     StreamInfo
	// Totals since the last lock, for the mean bitrate; relocked says
	// they are to restart with the next frame, so that Info keeps showing
	// the old stream's figures until then.
	lockBytes   uint64
	lockSamples uint64
	relocked    bool
}

// Stats counts what a Splitter did with its input. Bytes + Skipped + Tags +
// Pending is the number of bytes given to Split.
type Stats struct {
	Frames  uint64 // frames emitted
	Bytes   uint64 // bytes in the frames emitted
	Skipped uint64 // bytes dropped that were neither frames nor tags
	Tags    uint64 // bytes of ID3v2, ID3v1 and APE tags dropped
	Resyncs uint64 // times a locked frame's successor failed validation
	Pending int    // bytes held until more input decides what they are
}

// StreamInfo describes the stream a Splitter is locked on, for status pages
// and headers such as icy-br and icy-sr. It is the zero value until the
// first frame is emitted, and keeps its last value while resyncing.
type StreamInfo struct {
	Codec      Codec
	Bitrate    int // kbps: frame bytes over frame durations since the last lock, rounded
	SampleRate int // Hz
	Channels   int // 0 for ADTS with the configuration carried in the stream
}

// NewSplitter returns a splitter for codec whose frames are at most maxFrame
// bytes long; longer frames are treated as garbage. A maxFrame of 0 or more
// than the codec's [Codec.MaxFrame] means the codec's maximum. The splitter
// holds one buffer of about twice maxFrame bytes. It panics on an unknown codec,
// which is a programming error.
func NewSplitter(codec Codec, maxFrame int) *Splitter {
	limit := codec.MaxFrame()
	if limit == 0 {
		panic("frames: NewSplitter with unknown codec " + codec.String())
	}
	if maxFrame <= 0 || maxFrame > limit {
		maxFrame = limit
	}
	return &Splitter{
		codec:    codec,
		maxFrame: maxFrame,
		// The longest undecided tail is a frame cut short, then a whole
		// frame starting inside it and the bytes that decide what
		// follows that; the buffer must hold it to make progress.
		buf:      make([]byte, 0, 2*maxFrame+tags.MaxProbe),
		boundary: true,
	}
}

// Split consumes p and calls emit for each complete frame, in order. The frame
// slice aliases p or the splitter's buffer and is valid only during the call:
// emit must copy what it keeps and must not call back into the splitter. The
// tail of p that does not yet form a frame (or cannot yet be told from
// garbage) is kept for the next call.
func (s *Splitter) Split(p []byte, emit func(frame []byte)) {
	for len(p) > 0 {
		if len(s.buf) == 0 && len(p) >= s.need {
			// Fast path: work in the caller's bytes and keep only the
			// tail, which is shorter than the buffer's capacity.
			s.need = 0
			n := s.scan(p, emit)
			s.buf = append(s.buf, p[n:]...)
			return
		}
		// Complete the held tail with as much of p as fits.
		old := len(s.buf)
		k := min(len(p), cap(s.buf)-old)
		s.buf = append(s.buf, p[:k]...)
		if len(s.buf) < s.need {
			// Scanning again could not decide anything yet.
			p = p[k:]
			continue
		}
		s.need = 0
		n := s.scan(s.buf, emit)
		if n >= old {
			// The held bytes are consumed: continue in p itself, from
			// where the scan stopped.
			p = p[n-old:]
			s.buf = s.buf[:0]
			continue
		}
		p = p[k:]
		s.buf = s.buf[:copy(s.buf, s.buf[n:])]
	}
}

// Flush ends the stream, for example when the source disconnects: it emits
// the held frame if the splitter is locked and the frame is complete (though
// nothing after it validated it), drops the rest as skipped, and makes the
// splitter ready for a new stream. Counters and Info are kept.
func (s *Splitter) Flush(emit func(frame []byte)) {
	b := s.buf
	if s.locked {
		if f, v := probe(s.codec, s.maxFrame, b); v == yes && len(b) >= f.size {
			s.deliver(b[:f.size], f, emit)
			b = b[f.size:]
		}
	}
	s.stats.Skipped += uint64(len(b))
	s.buf = s.buf[:0]
	s.skip = 0
	s.need = 0
	s.locked = false
	s.boundary = true
}

// Stats returns the splitter's counters.
func (s *Splitter) Stats() Stats {
	st := s.stats
	st.Pending = len(s.buf)
	return st
}

// Info returns what the latest frames say about the stream.
func (s *Splitter) Info() StreamInfo {
	in := s.info
	if s.lockSamples > 0 {
		in.Bitrate = int(math.Round(float64(s.lockBytes) * 8 * float64(in.SampleRate) /
			float64(s.lockSamples) / 1000))
	}
	return in
}

// Locked reports whether the splitter is locked on a stream of frames.
func (s *Splitter) Locked() bool { return s.locked }

// scan consumes a prefix of data, emitting frames and dropping tags and
// garbage, and returns its length. It stops where it cannot decide without
// more bytes; the state then describes that position, so the caller may call
// it again with the rest of data extended. Every decision depends only on
// bytes up to a bounded distance, so the output does not depend on how the
// input was chunked.
func (s *Splitter) scan(data []byte, emit func([]byte)) int {
	i := 0
	for i < len(data) {
		if s.skip > 0 {
			n := int(min(s.skip, int64(len(data)-i)))
			i += n
			s.skip -= int64(n)
			s.stats.Tags += uint64(n)
			continue
		}
		rest := data[i:]
		if s.locked {
			f, v := probe(s.codec, s.maxFrame, rest)
			if v == more || v == yes && len(rest) < f.size {
				return i
			}
			if v == no {
				// Unreachable: locking validated this header.
				s.locked = false
				continue
			}
			next, isTag := s.successor(rest[f.size:], f.key)
			if next == more {
				return i
			}
			if next == no {
				cut, need := s.cutShort(rest, f.size)
				if cut == more {
					// Deciding costs a pass over the frame: wait for the
					// bytes that may settle it, so that a trickle of
					// small reads does not repeat the pass for each.
					s.need = need
					return i
				}
				s.locked, s.boundary = false, false
				s.stats.Resyncs++
				if cut == yes {
					// Drop the frame's first byte and let the search
					// find the stream that starts inside it.
					i++
					s.stats.Skipped++
					continue
				}
			}
			s.deliver(rest[:f.size], f, emit)
			i += f.size
			switch {
			case next == no:
				// Resync from here, where the trouble is.
			case isTag:
				s.locked, s.boundary = false, true
			default:
				s.boundary = true
			}
			continue
		}
		size, v := tags.At(rest, s.boundary)
		if v == more {
			return i
		}
		if v == yes {
			s.skip = size
			s.boundary = true
			continue
		}
		switch v, _ := s.lockAt(rest); v {
		case more:
			return i
		case yes:
			s.locked = true
			s.relocked = true
			continue
		}
		// Not a tag, not a frame: drop bytes up to the next that could
		// start either.
		j := 1
		for j < len(rest) && !mayStart(rest[j]) {
			j++
		}
		i += j
		s.stats.Skipped += uint64(j)
		s.boundary = false
	}
	return i
}

// lockAt tells whether b starts with a frame whose successor is a valid,
// consistent header. When it cannot tell yet, need is a length of b below
// which it still cannot: headers are checked byte by byte as they arrive,
// so the next byte may settle it, except inside the frame's body, which
// decides nothing until the successor's first byte.
func (s *Splitter) lockAt(b []byte) (v verdict, need int) {
	f, v := probe(s.codec, s.maxFrame, b)
	switch {
	case v == more:
		return more, len(b) + 1
	case v == no:
		return no, 0
	case len(b) < f.size:
		return more, f.size + 1
	}
	g, v := probe(s.codec, s.maxFrame, b[f.size:])
	switch {
	case v == more:
		return more, len(b) + 1
	case v == yes && g.key == f.key:
		return yes, 0
	}
	return no, 0
}

// cutShort decides whether a locked frame whose successor failed was cut
// short, as when a source's encoder restarts mid-frame: whether a lockable
// frame or an ID3v2 or APE tag starts inside it. Then the frame holds the
// start of the new stream and is not emitted. Otherwise it is whole and
// followed by garbage, and is emitted. When it cannot tell yet, need is the
// length of frame (counted from its start, running past its end) before which
// asking again cannot settle it: a lower bound, so that waiting for it changes
// nothing but the work done.
func (s *Splitter) cutShort(frame []byte, size int) (v verdict, need int) {
	v = no
	for j := 1; j < size; j++ {
		if !mayStart(frame[j]) {
			continue
		}
		b := frame[j:]
		_, tv := tags.At(b, false)
		if tv == yes {
			return yes, 0
		}
		lv, n := s.lockAt(b)
		if lv == yes {
			return yes, 0
		}
		if tv == more {
			// A tag's header is checked byte by byte: the next may
			// settle it.
			if tn := len(b) + 1; lv != more || tn < n {
				n = tn
			}
		}
		if tv == more || lv == more {
			// Keep looking: a later start settles it as well.
			if v != more || j+n < need {
				need = j + n
			}
			v = more
		}
	}
	return v, need
}

// mayStart tells whether a frame or a tag taken anywhere could start with c.
func mayStart(c byte) bool { return c == 0xFF || c == 'I' || c == 'A' }

// successor decides whether b, the bytes after a locked frame, starts with a
// frame consistent with it (key) or with a tag.
func (s *Splitter) successor(b []byte, key uint64) (v verdict, isTag bool) {
	g, hv := probe(s.codec, s.maxFrame, b)
	if hv == yes && g.key == key {
		return yes, false
	}
	_, tv := tags.At(b, true)
	if tv == yes {
		return yes, true
	}
	if hv == more || tv == more {
		return more, false
	}
	return no, false
}

// deliver counts a frame, notes what it says about the stream, and hands it on.
func (s *Splitter) deliver(frame []byte, f frameInfo, emit func([]byte)) {
	s.stats.Frames++
	s.stats.Bytes += uint64(len(frame))
	if s.relocked {
		s.lockBytes, s.lockSamples, s.relocked = 0, 0, false
	}
	s.lockBytes += uint64(len(frame))
	s.lockSamples += uint64(f.samples)
	s.info.Codec = s.codec
	s.info.SampleRate = f.sampleRate
	s.info.Channels = f.channels
	emit(frame)
}
