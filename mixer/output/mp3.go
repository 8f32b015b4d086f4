package output

import (
	"fmt"

	"onair/codec/frames"
	"onair/codec/mp3enc"
)

// mp3Delay is LAME's encoder delay and an MP3 decoder's, in samples: the
// station's own mount places its titles by the same figure.
const mp3Delay = 576 + 529

// mp3Encoder is an mp3enc.Encoder whose output is cut into whole frames.
type mp3Encoder struct {
	enc          mp3enc.Encoder
	split        *frames.Splitter
	rate         int
	frameSamples int
	buf          []byte
	emit         func(frame []byte, samples int) // the current call's
	onFrame      func(frame []byte)              // made once: no allocation per call
}

// NewMP3 returns an MP3 Encoder for o (Channels 2). note, as from
// mp3enc.New, says why a lesser encoder was chosen.
func NewMP3(o mp3enc.Options) (enc Encoder, note string, err error) {
	o.Channels = 2
	e, note, err := mp3enc.New(o)
	if err != nil {
		return nil, "", fmt.Errorf("mp3 output: %w", err)
	}
	rate := o.SampleRate
	if rate == 0 {
		rate = mp3enc.DefaultSampleRate
	}
	m := &mp3Encoder{enc: e, split: frames.NewSplitter(frames.MP3, 0), rate: rate,
		frameSamples: 1152, buf: make([]byte, 0, 16<<10)}
	if rate < 32000 {
		m.frameSamples = 576 // MPEG-2 and 2.5 frames
	}
	m.onFrame = func(f []byte) { m.emit(f, m.frameSamples) }
	return m, note, nil
}

func (m *mp3Encoder) SampleRate() int { return m.rate }
func (m *mp3Encoder) Delay() int      { return mp3Delay }
func (m *mp3Encoder) SetTitle(string) {}
func (m *mp3Encoder) Name() string    { return m.enc.Name() }
func (m *mp3Encoder) Close() error    { return m.enc.Close() }

func (m *mp3Encoder) Encode(pcm []float32, emit func(frame []byte, samples int)) error {
	var err error
	m.buf, err = m.enc.Encode(m.buf[:0], pcm)
	if err != nil {
		return fmt.Errorf("mp3 output: %w", err)
	}
	m.emit = emit
	m.split.Split(m.buf, m.onFrame)
	return nil
}

func (m *mp3Encoder) Flush(emit func(frame []byte, samples int)) error {
	var err error
	m.buf, err = m.enc.Flush(m.buf[:0])
	if err != nil {
		return fmt.Errorf("mp3 output: %w", err)
	}
	m.emit = emit
	m.split.Split(m.buf, m.onFrame)
	m.split.Flush(m.onFrame)
	return nil
}
