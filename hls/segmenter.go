package hls

import (
	"sync/atomic"
	"time"
)

// Defaults and bounds of the segment length and the playlist window.
const (
	DefaultTarget = 6 * time.Second
	DefaultWindow = 6
	// Grace is how many segments stay fetchable after they leave the
	// list: two segment times, for a player that read the playlist just
	// before.
	Grace = 2
)

// Segment is one published segment, immutable.
type Segment struct {
	Seq      uint64
	Data     []byte // the ID3 tag, then whole frames
	Samples  int64  // per channel, at Rate
	Rate     int
	Disc     bool      // a discontinuity comes before it
	Date     time.Time // wall clock of its first sample
	Ext      string    // "mp3" or "aac"
	Duration time.Duration
	// DiscSeq is its discontinuity sequence number: how many
	// discontinuities came before it.
	DiscSeq uint64
}

// Seconds is the segment's exact duration for EXTINF.
func (s *Segment) Seconds() float64 { return float64(s.Samples) / float64(s.Rate) }

// Snapshot is what a mount's HLS face serves at one moment: the segments
// kept, oldest first, of which the last Window are listed.
type Snapshot struct {
	// Body and ETag are the playlist rendered once at the cut, for every
	// request to share.
	Body     []byte
	ETag     string
	Segments []*Segment
	Window   int
	Target   time.Duration
}

// Listed returns the segments the playlist lists.
func (s *Snapshot) Listed() []*Segment {
	if len(s.Segments) > s.Window {
		return s.Segments[len(s.Segments)-s.Window:]
	}
	return s.Segments
}

// Find returns the kept segment seq, or nil.
func (s *Snapshot) Find(seq uint64) *Segment {
	if len(s.Segments) == 0 {
		return nil
	}
	first := s.Segments[0].Seq
	if seq < first || seq-first >= uint64(len(s.Segments)) {
		return nil
	}
	return s.Segments[seq-first]
}

// Segmenter cuts frames into segments. Write and Flush are for one
// goroutine; Snapshot may be called from any.
type Segmenter struct {
	snap atomic.Pointer[Snapshot]
	base string // the segment URIs' prefix

	// Writer state.
	buf     []byte
	samples int64
	rate    int
	ext     string
	date    time.Time
	disc    bool
	// The 90 kHz clock: ptsBase at a rate change, plus the samples since
	// at that rate, so that no rounding accumulates across segments.
	ptsBase  uint64
	ptsCount int64
	nextSeq  uint64
	gen      uint64
	lastSize int
}

// NewSegmenter returns an empty segmenter whose playlist names segment n
// base + n + "." + its extension.
func NewSegmenter(base string) *Segmenter {
	s := &Segmenter{base: base}
	s.snap.Store(&Snapshot{Window: DefaultWindow, Target: DefaultTarget})
	return s
}

// Snapshot returns the segments published so far.
func (s *Segmenter) Snapshot() *Snapshot { return s.snap.Load() }

// Write adds one whole frame of samples samples at rate Hz, of the writer
// session gen, with title in force. A change of gen or format cuts the
// open segment and marks the next one as following a discontinuity. A
// target or window out of range takes the default.
func (s *Segmenter) Write(frame []byte, samples, rate int, ext string, gen uint64, title string,
	target time.Duration, window int, now time.Time) {
	if rate <= 0 || samples <= 0 {
		return
	}
	target, window = Bounds(target, window)
	if gen != s.gen || rate != s.rate || ext != s.ext {
		if s.rate != 0 {
			s.cut(target, window)
			s.disc = true
		}
		if rate != s.rate {
			s.ptsBase, s.ptsCount = s.pts(), 0
		}
		s.gen, s.rate, s.ext = gen, rate, ext
	}
	if s.buf == nil {
		size := s.lastSize + s.lastSize/4
		if size < 4096 {
			size = 4096
		}
		s.buf = make([]byte, 0, size)
		s.buf = AppendTag(s.buf, s.pts(), title)
		// Dates run on from segment to segment; a new session, or a
		// writer that paused for longer than a segment, re-anchors them
		// to the clock.
		if s.disc || s.date.IsZero() || now.Sub(s.date) > target {
			s.date = now
		}
	}
	s.buf = append(s.buf, frame...)
	s.samples += int64(samples)
	if s.samples*int64(time.Second) >= int64(target)*int64(s.rate) {
		s.cut(target, window)
	}
}

// Flush publishes the open segment however short: the source paused or
// left.
func (s *Segmenter) Flush(target time.Duration, window int) { s.cut(target, window) }

func (s *Segmenter) cut(target time.Duration, window int) {
	if s.buf == nil || s.samples == 0 {
		return
	}
	target, window = Bounds(target, window)
	seg := &Segment{
		Seq: s.nextSeq, Data: s.buf, Samples: s.samples, Rate: s.rate, Disc: s.disc, Date: s.date, Ext: s.ext,
		Duration: time.Duration(s.samples * int64(time.Second) / int64(s.rate)),
	}
	s.nextSeq++
	s.lastSize = len(s.buf)
	s.ptsCount += s.samples
	// The next segment's date follows on from this one's, so that the
	// dates agree with the durations; a discontinuity re-anchors it.
	s.date = s.date.Add(seg.Duration)
	s.buf, s.samples, s.disc = nil, 0, false

	old := s.snap.Load()
	if n := len(old.Segments); n > 0 {
		seg.DiscSeq = old.Segments[n-1].DiscSeq
		if seg.Disc {
			seg.DiscSeq++
		}
	}
	keep := window + Grace
	segs := old.Segments
	if len(segs) >= keep {
		segs = segs[len(segs)-keep+1:]
	}
	// A new slice each time: readers may hold the old one.
	segs = append(append(make([]*Segment, 0, len(segs)+1), segs...), seg)
	snap := &Snapshot{Segments: segs, Window: window, Target: target}
	snap.Body, snap.ETag = snap.Playlist(s.base)
	s.snap.Store(snap)
}

// pts is the 90 kHz time of the open segment's first sample.
func (s *Segmenter) pts() uint64 {
	if s.rate == 0 {
		return s.ptsBase
	}
	return s.ptsBase + uint64(s.ptsCount*90000/int64(s.rate))
}

// Bounds puts target and window in range: 2–10 s and 3–20 segments,
// defaults for zero.
func Bounds(target time.Duration, window int) (time.Duration, int) {
	if target < 2*time.Second || target > 10*time.Second {
		target = DefaultTarget
	}
	if window < 3 || window > 20 {
		window = DefaultWindow
	}
	return target, window
}

// Base is the prefix of the segment URIs.
func (s *Segmenter) Base() string { return s.base }
