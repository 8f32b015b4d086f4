package decode

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hajimehoshi/go-mp3"
)

// decoderDelay is go-mp3's own delay in samples: a click at sample n of
// the encoder's input comes out at n + encoder delay + 529 (measured by
// TestMP3DecoderDelay at 22.05, 44.1 and 48 kHz, with the Xing/Info frame
// left out). It is the classic 528 + 1 of the MP3 hybrid filter bank that
// the LAME tag's padding already accounts for, so the trim is delay + 529
// at the start and padding − 529 at the end.
const decoderDelay = 529

// maxBadFrames is how many frames in a row go-mp3 may refuse (or panic
// on) before the stream counts as corrupt. A lone damaged frame, or a
// stray tag between two concatenated files, costs a frame of silence.
const maxBadFrames = 32

// mp3Decoder decodes an MP3 file with go-mp3 and trims it gaplessly.
//
// go-mp3 sees a buffered, non-seekable view of the audio frames: it does
// not scan the whole file at open (which it does for an io.Seeker), never
// sees the tags or the Xing/Info frame, and cannot be asked to seek.
type mp3Decoder struct {
	path string
	f    *os.File
	dec  *mp3.Decoder
	rate int
	dur  time.Duration

	raw  []byte    // go-mp3 output: 16-bit little-endian stereo
	pcm  []float32 // decoded stereo samples; pcm[head:tail] not yet read
	head int
	tail int

	skip int  // stereo frames still to drop at the start
	hold int  // stereo frames to keep back: the end padding, dropped at EOF
	mute int  // frames to silence after a resync (their bit reservoir is gone)
	bad  int  // frames refused in a row
	eof  bool // go-mp3 has nothing more; pcm holds the rest
	err  error
}

func openMP3(path string, f *os.File, size int64) (*mp3Decoder, error) {
	l, err := locateMP3(f, size)
	if err != nil {
		return nil, err
	}
	src := bufio.NewReaderSize(io.NewSectionReader(f, l.start, l.end-l.start), 16<<10)
	var dec *mp3.Decoder
	err = safely(func() (err error) {
		dec, err = mp3.NewDecoder(src)
		return err
	})
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("no complete MP3 frame: %w", ErrCorrupt)
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	d := &mp3Decoder{
		path: path,
		f:    f,
		dec:  dec,
		rate: dec.SampleRate(),
		dur:  mp3Duration(l),
		raw:  make([]byte, 1152*4),
		// Room for the held-back padding (at most 4095 − 529) and a frame.
		pcm: make([]float32, 2*(4096+1152)),
	}
	if l.hasInfo && l.info.gapless {
		d.skip = l.info.delay + decoderDelay
		d.hold = max(l.info.padding-decoderDelay, 0)
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
	if n := int64(l.info.frames); n > 0 {
		samples := n * int64(h.samplesPerFrame())
		lo, hi := int64(8000), int64(160000)
		if h.version == mpeg1 {
			lo, hi = 32000, 320000
		}
		// bitrate = bytes*8*rate/samples within [lo/2, hi*2]
		if bits := bytes * 8 * int64(h.rate); bits >= samples*lo/2 && bits <= samples*hi*2 {
			if l.info.gapless {
				samples = max(samples-int64(l.info.delay+l.info.padding), 0)
			}
			return time.Duration(samples) * time.Second / time.Duration(h.rate)
		}
	}
	d := time.Duration(bytes*8) * time.Second / time.Duration(h.bitrate)
	if l.info.gapless {
		d -= time.Duration(l.info.delay+l.info.padding) * time.Second / time.Duration(h.rate)
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

// decodeFrame appends one go-mp3 read (a frame at most) to pcm, less
// what is still to skip, or sets eof.
func (d *mp3Decoder) decodeFrame() {
	if len(d.pcm)-d.tail < len(d.raw)/2 {
		d.tail = copy(d.pcm, d.pcm[d.head:d.tail])
		d.head = 0
	}
	var n int
	err := safely(func() (err error) {
		n, err = d.dec.Read(d.raw)
		return err
	})
	switch {
	case err == io.EOF:
		// go-mp3 also says io.EOF for a frame cut short by the file's end:
		// a truncated file plays up to the cut. The held-back samples are
		// the encoder's padding: drop them.
		d.end(nil)
		return
	case err != nil:
		if d.bad++; d.bad > maxBadFrames {
			d.end(fmt.Errorf("decode %s: %w: %v", d.path, ErrCorrupt, err))
		}
		// go-mp3 starts over at the next frame header: its bit reservoir
		// is lost, so the next frame decodes from partial data.
		d.mute = 1
		return
	}
	d.bad = 0
	frames := n / 4
	in := d.raw[:frames*4]
	if d.mute > 0 {
		d.mute--
		clear(in)
	}
	if d.skip > 0 {
		s := min(d.skip, frames)
		d.skip -= s
		in = in[s*4:]
	}
	out := d.pcm[d.tail : d.tail+len(in)/2]
	for i := range out {
		out[i] = float32(int16(uint16(in[2*i])|uint16(in[2*i+1])<<8)) / 32768
	}
	d.tail += len(out)
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
