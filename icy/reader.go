package icy

import (
	"fmt"
	"io"
)

// Reader takes the metadata blocks out of a stream an upstream server
// sent with icy-metaint, and hands the audio on. Each block that carries
// a title goes to the title func, in the order it came; a lone 0x00
// ("title unchanged") and blocks without StreamTitle are dropped.
type Reader struct {
	r       io.Reader
	metaint int
	left    int // audio bytes before the next block
	title   func(title, url string)
	block   [MaxBlock]byte
}

// NewReader reads from r, whose blocks come every metaint audio bytes.
// A metaint of 0 or less means the stream holds no blocks.
func NewReader(r io.Reader, metaint int, title func(title, url string)) *Reader {
	return &Reader{r: r, metaint: metaint, left: metaint, title: title}
}

// Read returns audio bytes only; a block is read whole before the audio
// after it.
func (r *Reader) Read(p []byte) (int, error) {
	if r.metaint <= 0 {
		return r.r.Read(p)
	}
	if r.left == 0 {
		if err := r.readBlock(); err != nil {
			return 0, err
		}
		r.left = r.metaint
	}
	if len(p) > r.left {
		p = p[:r.left]
	}
	n, err := r.r.Read(p)
	r.left -= n
	return n, err
}

func (r *Reader) readBlock() error {
	if _, err := io.ReadFull(r.r, r.block[:1]); err != nil {
		if err == io.EOF {
			return err // the stream ended between audio and a block
		}
		return fmt.Errorf("icy: read block length: %w", err)
	}
	n := 16 * int(r.block[0])
	if n == 0 {
		return nil
	}
	if _, err := io.ReadFull(r.r, r.block[1:1+n]); err != nil {
		return fmt.Errorf("icy: read block: %w", err)
	}
	if title, url, err := Parse(r.block[:1+n]); err == nil && r.title != nil {
		r.title(title, url)
	}
	return nil
}
