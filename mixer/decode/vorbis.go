package decode

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jfreymuth/oggvorbis"

	"onair/codec/ogg"
	"onair/codec/vorbis"
)

// vorbisDecoder decodes an Ogg Vorbis file with oggvorbis and mixes it to
// stereo. oggvorbis ends at the first logical stream's last page; a chained
// file (streams one after another, as stream rips are) goes on with the
// next stream when it has the same sample rate.
type vorbisDecoder struct {
	path string
	f    *os.File
	size int64
	r    *oggvorbis.Reader
	src  *oggSource // what r reads: the file from where its stream starts
	rate int
	dur  time.Duration

	ch      int
	mix     vorbis.Downmix
	scratch []float32 // source samples when ch != 2
	empty   int       // reads in a row that gave nothing
	eof     bool
	err     error
}

// vorbisBlock is how many frames one conversion pass reads.
const vorbisBlock = 2048

func openVorbis(path string, f *os.File, size int64) (*vorbisDecoder, error) {
	if err := sniffVorbis(f, 0); err != nil {
		return nil, err
	}
	src := newOggSource(f, 0, size)
	r, err := newVorbisReader(src)
	if err != nil {
		return nil, err
	}
	d := &vorbisDecoder{path: path, f: f, size: size, rate: r.SampleRate()}
	if n := r.Length(); n > 0 {
		d.dur = time.Duration(n) * time.Second / time.Duration(d.rate)
	}
	d.use(r, src)
	return d, nil
}

// sniffVorbis checks that the Ogg page at off starts a Vorbis stream: its
// first packet is the identification header "\x01vorbis" (Vorbis I §4.2.2).
// It reads the header, the segment table and the packet's first bytes,
// not the whole page.
func sniffVorbis(r io.ReaderAt, off int64) error {
	var b [ogg.HeaderSize + 255 + 8]byte
	n, _ := r.ReadAt(b[:], off)
	p, err := ogg.ParseHeader(b[:n])
	if err != nil {
		return fmt.Errorf("no Ogg page: %w", ErrUnsupported)
	}
	first := p.FirstPacket()
	if len(first) < 8 {
		return fmt.Errorf("truncated Ogg page: %w", ErrUnsupported)
	}
	switch ogg.Identify(first) {
	case ogg.Vorbis:
		return nil
	case ogg.Opus:
		return fmt.Errorf("Ogg Opus: %w", ErrUnsupported)
	default:
		return fmt.Errorf("Ogg stream is not Vorbis: %w", ErrUnsupported)
	}
}

func newVorbisReader(src *oggSource) (*oggvorbis.Reader, error) {
	var r *oggvorbis.Reader
	err := safely(func() (err error) {
		r, err = oggvorbis.NewReader(src)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if r.Channels() < 1 || r.SampleRate() < 1 {
		return nil, fmt.Errorf("%d channels at %d Hz: %w", r.Channels(), r.SampleRate(), ErrCorrupt)
	}
	return r, nil
}

// use makes r, reading src, the stream to read.
func (d *vorbisDecoder) use(r *oggvorbis.Reader, src *oggSource) {
	d.r, d.src = r, src
	if d.ch == r.Channels() {
		return
	}
	d.ch = r.Channels()
	d.mix = vorbis.NewDownmix(d.ch)
	if d.ch != 2 {
		d.scratch = make([]float32, vorbisBlock*d.ch)
	}
}

func (d *vorbisDecoder) SampleRate() int         { return d.rate }
func (d *vorbisDecoder) Duration() time.Duration { return d.dur }

// Read implements Decoder.
func (d *vorbisDecoder) Read(buf []float32) (int, error) {
	if d.f == nil {
		return 0, os.ErrClosed
	}
	buf = buf[:len(buf)&^1]
	if len(buf) == 0 {
		return 0, nil
	}
	n := 0
	for n < len(buf) && !d.eof {
		var c int
		var err error
		if d.ch == 2 {
			// oggvorbis writes stereo interleaved: straight in, clipped
			// (NaN from a bad packet gets through its own clipping).
			c, err = d.read(buf[n:])
			d.mix.Mix(buf[n:n+c], buf[n:n+c])
		} else {
			frames := min((len(buf)-n)/2, vorbisBlock)
			c, err = d.read(d.scratch[:frames*d.ch])
			c = d.mix.Mix(buf[n:], d.scratch[:c])
		}
		n += c
		if err != nil {
			d.fail(err)
		} else if c == 0 {
			if d.empty++; d.empty > 64 {
				d.fail(fmt.Errorf("%w: no audio in 64 reads", ErrCorrupt))
			}
		} else {
			d.empty = 0
		}
	}
	if n > 0 {
		return n, nil
	}
	if d.err != nil {
		return 0, d.err
	}
	return 0, io.EOF
}

// read is oggvorbis's Read with panics made errors.
func (d *vorbisDecoder) read(p []float32) (n int, err error) {
	err = safely(func() (err error) {
		n, err = d.r.Read(p)
		return err
	})
	return n, err
}

// fail handles an error from oggvorbis: the end of a stream moves on to a
// chained one if there is one; a file cut short ends there; anything else
// is corruption.
func (d *vorbisDecoder) fail(err error) {
	switch {
	case errors.Is(err, io.EOF):
		if !d.next() {
			d.eof = true
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		d.eof = true
	default:
		d.eof = true
		d.err = fmt.Errorf("decode %s: %w: %v", d.path, ErrCorrupt, err)
	}
}

// next opens the chained stream after the current one, if the file has
// one at the same sample rate. oggvorbis reads its source page by page
// with nothing buffered ahead, so after the last page of a stream the
// source's offset is where the next stream begins.
func (d *vorbisDecoder) next() bool {
	off := d.src.fileOffset()
	if off >= d.size || sniffVorbis(d.f, off) != nil {
		return false
	}
	src := newOggSource(d.f, off, d.size)
	r, err := newVorbisReader(src)
	if err != nil || r.SampleRate() != d.rate {
		return false
	}
	d.use(r, src)
	return true
}

// Close implements Decoder.
func (d *vorbisDecoder) Close() error {
	if d.f == nil {
		return nil
	}
	err := d.f.Close()
	d.f = nil
	return err
}
