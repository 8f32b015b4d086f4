package output

import (
	"fmt"
	"strings"

	"onair/codec/opus"
)

// OpusOptions configure an Ogg Opus output.
type OpusOptions struct {
	Bitrate    int // kbps; 0 = opus.DefaultBitrate
	Complexity int // 1–10; 0 = opus.DefaultComplexity
	// Serial is the first chain's serial number; each chain after it
	// takes the next. Listeners' players tell chains apart by it.
	Serial uint32
	// ChainTitles starts a new chain, whose OpusTags name the title, at
	// every title change. Off, the stream is one chain from start to
	// end and titles reach listeners through the status pages and the
	// API only: VLC 3.0 stops playing at a new chain (measured).
	ChainTitles bool
}

// opusEncoder is an Ogg Opus Encoder at 48 kHz: whole pages out, and a new
// chain, whose OpusTags carry the title, at every title change.
type opusEncoder struct {
	w       *opus.OggWriter
	enc     *opus.Encoder
	name    string
	serial  uint32
	title   string
	retitle bool // a title came: the next Encode starts a chain with it
	chains  bool // a title change starts a chain
	started bool
	owed    int // samples taken but not yet reported with a page
	buf     []byte
}

// NewOpus returns an Ogg Opus Encoder using lib.
func NewOpus(lib *opus.Library, o OpusOptions) (Encoder, error) {
	enc, err := lib.NewEncoder(opus.EncoderOptions{Channels: 2, Bitrate: o.Bitrate, Complexity: o.Complexity})
	if err != nil {
		return nil, fmt.Errorf("opus output: %w", err)
	}
	return &opusEncoder{
		w: opus.NewOggWriter(enc), enc: enc, name: lib.Version(), serial: o.Serial, chains: o.ChainTitles,
		buf: make([]byte, 0, 32<<10),
	}, nil
}

func (e *opusEncoder) SampleRate() int { return opus.SampleRate }

// Delay is 0: a decoder drops the encoder's lookahead (the pre-skip), and
// the title travels in the stream, with the audio it names.
func (e *opusEncoder) Delay() int   { return 0 }
func (e *opusEncoder) Name() string { return e.name }
func (e *opusEncoder) Close() error { return e.enc.Close() }

func (e *opusEncoder) SetTitle(title string) {
	if !e.started || e.chains {
		e.title, e.retitle = title, true
	}
}

func (e *opusEncoder) Encode(pcm []float32, emit func(frame []byte, samples int)) error {
	var err error
	e.buf = e.buf[:0]
	if !e.started || e.retitle {
		artist, title := splitTitle(e.title)
		if e.buf, err = e.w.NewChain(e.buf, e.serial, artist, title); err != nil {
			return fmt.Errorf("opus output: %w", err)
		}
		e.serial++
		e.started, e.retitle = true, false
	}
	if e.buf, err = e.w.Write(e.buf, pcm); err != nil {
		return fmt.Errorf("opus output: %w", err)
	}
	e.owed += len(pcm) / 2
	e.send(emit)
	return nil
}

func (e *opusEncoder) Flush(emit func(frame []byte, samples int)) error {
	if !e.started {
		return nil
	}
	var err error
	if e.buf, err = e.w.End(e.buf[:0]); err != nil {
		return fmt.Errorf("opus output: %w", err)
	}
	e.send(emit)
	return nil
}

// send hands the pages made to emit, with the samples taken since the
// last pages: the sink places titles by them.
func (e *opusEncoder) send(emit func(frame []byte, samples int)) {
	if len(e.buf) == 0 {
		return
	}
	emit(e.buf, e.owed)
	e.owed = 0
}

// splitTitle splits "Artist - Title" for OpusTags' two comments.
func splitTitle(t string) (artist, title string) {
	if a, b, ok := strings.Cut(t, " - "); ok {
		return strings.TrimSpace(a), strings.TrimSpace(b)
	}
	return "", t
}
