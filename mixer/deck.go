package mixer

import "io"

// deck is a track being played, with a look-ahead buffer: the engine
// decodes a crossfade's length ahead, so when the decoder ends, the
// buffer holds exactly the audio left, however wrong the file's stated
// length was.
type deck struct {
	t    *Track
	buf  []float32 // interleaved stereo; buf[r:w] is buffered
	r, w int
	eof  bool
	err  error // why the track ended early, if it did
}

// readChunk is how much a deck asks of its track per read, in frames.
const readChunk = 4096

func newDeck(t *Track, lookahead int) *deck {
	return &deck{t: t, buf: make([]float32, 2*(2*lookahead+2*readChunk+2*BlockFrames))}
}

// buffered is the number of frames ready.
func (d *deck) buffered() int { return (d.w - d.r) / 2 }

// fill reads until frames are buffered or the track ends.
func (d *deck) fill(frames int) {
	for idle := 0; !d.eof && d.buffered() < frames; {
		if len(d.buf)-d.w < 2*readChunk {
			n := copy(d.buf, d.buf[d.r:d.w])
			d.r, d.w = 0, n
		}
		n, err := d.t.Audio.Read(d.buf[d.w : d.w+2*readChunk])
		if g := d.t.Gain; g != 0 && g != 1 {
			for i, v := range d.buf[d.w : d.w+n] {
				d.buf[d.w+i] = v * g
			}
		}
		d.w += n &^ 1
		if err != nil {
			d.eof = true
			if err != io.EOF {
				d.err = err
			}
			return
		}
		if n > 0 {
			idle = 0
		} else if idle++; idle > 64 {
			// A reader that keeps returning nothing and no error is stuck:
			// end the track rather than spin.
			d.eof = true
			d.err = io.ErrNoProgress
		}
	}
}

// take copies up to len(dst)/2 frames into dst, zero-filling what the
// track no longer has, and returns the frames that were audio.
func (d *deck) take(dst []float32) int {
	d.fill(len(dst) / 2)
	n := copy(dst, d.buf[d.r:d.w])
	d.r += n
	clear(dst[n:])
	return n / 2
}

func (d *deck) close() {
	if d.t != nil && d.t.Audio != nil {
		_ = d.t.Audio.Close() // a file only read from
	}
}
