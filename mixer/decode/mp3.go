package decode

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"onair/codec/layer3"
	"onair/codec/mpeg"
)

// decoderDelay is the Layer III decoder's own delay in samples: a click
// at sample n of the encoder's input comes out at n + encoder delay + 529
// (measured by TestMP3DecoderDelay at 22.05, 32, 44.1 and 48 kHz, with
// the Xing/Info frame left out). It is the classic 528 + 1 of the MP3
// hybrid filter bank that the LAME tag's padding already accounts for, so
// the trim is delay + 529 at the start and padding − 529 at the end.
const decoderDelay = 529

// maxBadFrames is how many damaged frames in a row (refused by the
// decoder, or junk skipped to find them) the stream may have before it
// counts as corrupt. A lone damaged frame, or a stray tag between two
// concatenated files, costs a frame of silence.
const maxBadFrames = 32

// mp3Decoder decodes an MP3 file with layer3 and trims it gaplessly. The
// frames come from frameReader, which never sees the tags or the
// Xing/Info frame.
type mp3Decoder struct {
	path   string
	f      *os.File
	rate   int
	dur    time.Duration
	frames *frameReader
	dec    layer3.Decoder

	pcm  []float32 // decoded stereo samples; pcm[head:tail] not yet read
	head int
	tail int

	skip int  // stereo frames still to drop at the start
	hold int  // stereo frames to keep back: the end padding, dropped at EOF
	bad  int  // damaged frames in a row
	eof  bool // no more frames; pcm holds the rest
	err  error
}

func openMP3(path string, f *os.File, size int64) (*mp3Decoder, error) {
	l, err := locateMP3(f, size)
	if err != nil {
		return nil, err
	}
	d := &mp3Decoder{
		path:   path,
		f:      f,
		rate:   l.first.SampleRate,
		dur:    mp3Duration(l),
		frames: newFrameReader(f, l),
		// Room for the held-back padding (at most 4095 − 529) and a frame.
		pcm: make([]float32, 2*(4096+1152)),
	}
	if l.hasInfo && l.info.Gapless {
		d.skip = l.info.Delay + decoderDelay
		d.hold = max(l.info.Padding-decoderDelay, 0)
	}
	// Decode the first frame now: a file without one whole frame is not
	// worth opening.
	if !d.decodeFrame() {
		return nil, fmt.Errorf("no complete MP3 frame: %w", ErrCorrupt)
	}
	return d, nil
}

// mp3Duration is the length the headers give: exact from a Xing/Info or
// VBRI frame count (less the LAME delay and padding), else the audio
// bytes at the first frame's bitrate, right for CBR. A frame count that
// would put the average bitrate outside what the format allows is a
// lying header and is ignored.
func mp3Duration(l mp3Layout) time.Duration {
	h := l.first
	bytes := l.end - l.start
	if n := l.info.Frames; n > 0 {
		samples := n * int64(h.Samples())
		lo, hi := int64(8000), int64(160000)
		if h.Version == mpeg.MPEG1 {
			lo, hi = 32000, 320000
		}
		// bitrate = bytes*8*rate/samples within [lo/2, hi*2]
		if bits := bytes * 8 * int64(h.SampleRate); bits >= samples*lo/2 && bits <= samples*hi*2 {
			if l.info.Gapless {
				samples = max(samples-int64(l.info.Delay+l.info.Padding), 0)
			}
			return time.Duration(samples) * time.Second / time.Duration(h.SampleRate)
		}
	}
	d := time.Duration(bytes*8) * time.Second / time.Duration(h.Bitrate*1000)
	if l.info.Gapless {
		d -= time.Duration(l.info.Delay+l.info.Padding) * time.Second / time.Duration(h.SampleRate)
	}
	return max(d, 0)
}

func (d *mp3Decoder) SampleRate() int         { return d.rate }
func (d *mp3Decoder) Duration() time.Duration { return d.dur }

// Read implements Decoder.
func (d *mp3Decoder) Read(buf []float32) (int, error) {
	if d.f == nil {
		return 0, os.ErrClosed
	}
	buf = buf[:len(buf)&^1]
	if len(buf) == 0 {
		return 0, nil
	}
	n := 0
	for n < len(buf) {
		if avail := d.tail - d.head - 2*d.hold; avail > 0 {
			c := copy(buf[n:], d.pcm[d.head:d.head+avail])
			d.head += c
			n += c
			continue
		}
		if d.eof {
			break
		}
		d.decodeFrame()
	}
	if n > 0 {
		return n, nil
	}
	if d.err != nil {
		return 0, d.err
	}
	return 0, io.EOF
}

// decodeFrame decodes the next frame onto the end of pcm, less what is
// still to skip, and reports whether there was one; at the end of the
// audio it sets eof.
func (d *mp3Decoder) decodeFrame() bool {
	if len(d.pcm)-d.tail < 2*1152 {
		d.tail = copy(d.pcm, d.pcm[d.head:d.tail])
		d.head = 0
	}
	frame, skipped, err := d.frames.frame()
	if err != nil {
		d.end(fmt.Errorf("decode %s: %w", d.path, err))
		return false
	}
	if frame == nil {
		// The end, or a last frame cut short by it: a truncated file plays
		// up to the cut. The held-back samples are the encoder's padding.
		d.end(nil)
		return false
	}
	if skipped > 0 {
		// Lost sync: the bit reservoir and the filter banks' memory belong
		// to audio that is gone. The next frames that reach back into the
		// reservoir come out silent (layer3.ErrNoMainData).
		d.dec.Reset()
		d.bad++
	}
	out := d.pcm[d.tail : d.tail+2*1152]
	n, err := d.decode(frame, out)
	switch {
	case err == nil, errors.Is(err, layer3.ErrNoMainData):
		// Frames that lost their main data to a resync come out muted.
		if skipped == 0 {
			d.bad = 0
		}
	default:
		// A damaged frame keeps time: layer3 fades out the frame before
		// over it, or, for a header it refused, it plays as silence.
		if n == 0 {
			n = parsedSamples(frame)
			clear(out[:2*n])
		}
		d.bad++
	}
	if d.bad > maxBadFrames {
		d.end(fmt.Errorf("decode %s: %w: %d damaged frames in a row, the last: %v", d.path, ErrCorrupt, d.bad, err))
		return false
	}
	if d.skip > 0 {
		s := min(d.skip, n)
		d.skip -= s
		n -= s
		copy(out, out[2*s:2*(s+n)])
	}
	d.tail += 2 * n
	return true
}

// decode runs the Layer III decoder on one frame. A panic in it would be
// a bug, but a bad file must not take the station down: it counts as a
// damaged frame.
func (d *mp3Decoder) decode(frame []byte, out []float32) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			d.dec.Reset()
			n, err = 0, fmt.Errorf("decoder panic: %v", r)
		}
	}()
	return d.dec.Decode(frame, out)
}

// parsedSamples is the sample count of a frame that frameReader accepted.
func parsedSamples(frame []byte) int {
	h, _ := mpeg.ParseLayer3(frame)
	return h.Samples()
}

// end marks the stream finished with err (nil for a clean end) and drops
// the held-back end padding.
func (d *mp3Decoder) end(err error) {
	d.eof = true
	d.err = err
	d.tail = max(d.tail-2*d.hold, d.head)
	d.hold = 0
}

// Close implements Decoder.
func (d *mp3Decoder) Close() error {
	if d.f == nil {
		return nil
	}
	err := d.f.Close()
	d.f = nil
	return err
}
