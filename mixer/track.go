package mixer

import (
	"errors"
	"fmt"
	"io"

	"onair/codec/tags"
	"onair/dsp/resample"
	"onair/mixer/decode"
)

// OpenFile opens an audio file as a track at the station's sample rate:
// decoded, resampled with filter q when its rate differs, titled from its
// tags (the file name when it has none).
func OpenFile(path string, rate int, q resample.Quality) (*Track, error) {
	dec, err := decode.Open(path)
	if err != nil {
		return nil, err
	}
	fields, err := tags.Read(path)
	if err != nil {
		fields = tags.Fields{} // untagged or unreadable tags: the file name will do
	}
	a := &fileAudio{dec: dec, in: make([]float32, 2*readChunk)}
	if dec.SampleRate() != rate {
		if r := dec.SampleRate(); r < resample.MinRate || r > resample.MaxRate {
			_ = dec.Close() // a file only read from
			return nil, fmt.Errorf("%s: sample rate %d Hz is out of range", path, r)
		}
		a.rs = resample.New(dec.SampleRate(), rate, 2, q)
		a.out = make([]float32, 0, 2*a.rs.MaxOut(readChunk)+2*readChunk)
	}
	return &Track{
		Path:     path,
		Title:    tags.DisplayTitle(path, fields),
		Artist:   fields.Artist,
		Name:     fields.Title,
		Duration: dec.Duration(),
		Audio:    a,
	}, nil
}

// fileAudio reads a decoder, through a resampler when one is needed.
type fileAudio struct {
	dec  decode.Decoder
	rs   *resample.Resampler // nil when the file is at the station's rate
	in   []float32
	out  []float32 // resampled, not yet read: out[r:]
	r    int
	done bool
	err  error // why decoding stopped early, given after the audio before it
}

func (a *fileAudio) Read(buf []float32) (int, error) {
	if a.rs == nil {
		return a.dec.Read(buf)
	}
	for a.r == len(a.out) {
		if a.done {
			if a.err != nil {
				return 0, a.err
			}
			return 0, io.EOF
		}
		n, err := a.dec.Read(a.in)
		a.out = a.rs.Process(a.out[:0], a.in[:n])
		a.r = 0
		if err != nil {
			a.out = a.rs.Flush(a.out)
			a.done = true
			if !errors.Is(err, io.EOF) {
				a.err = err
			}
		}
	}
	n := copy(buf, a.out[a.r:])
	a.r += n
	return n, nil
}

func (a *fileAudio) Close() error { return a.dec.Close() }
