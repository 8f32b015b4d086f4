package opus

import (
	"fmt"

	"onair/codec/ogg"
)

// DefaultPageDuration is how much audio an Ogg page gathers before it is
// written: short enough that a listener starts soon, long enough that the
// page headers cost little (27 bytes and a lacing value a packet).
const DefaultPageDuration = 250 // ms

// OggWriter encodes PCM into an Ogg Opus stream (RFC 7845) made of chained
// logical streams, one per title: each starts with OpusHead on its BOS
// page and OpusTags on its own pages, then audio pages whose granules
// count 48 kHz samples from the stream's start, pre-skip included, and
// ends with an EOS page. Every method appends whole pages to dst, so a
// caller may send each call's output as one unit. It is for one
// goroutine; steady state does not allocate when dst has room.
type OggWriter struct {
	enc *Encoder
	// Vendor is OpusTags' vendor string; "" means "onair".
	Vendor string
	// PageDuration is the audio a page gathers in ms; 0 means
	// DefaultPageDuration.
	PageDuration int

	w       *ogg.Writer // the chain's logical stream; nil before the first
	pcm     []float32   // a frame being gathered
	fill    int         // samples in pcm
	samples int64       // samples per channel taken in this chain
	packets int64       // packets written in this chain
	packet  []byte
	header  []byte
}

// NewOggWriter returns an OggWriter on enc, which it owns from then on:
// it resets it at each chain's end.
func NewOggWriter(enc *Encoder) *OggWriter {
	return &OggWriter{
		enc:    enc,
		pcm:    make([]float32, FrameSize*enc.Channels()),
		packet: make([]byte, 0, maxPacket),
	}
}

// Encoder returns the encoder the OggWriter uses.
func (o *OggWriter) Encoder() *Encoder { return o.enc }

// NewChain ends the current logical stream, if any (End), and starts the
// next with serial (which must differ from the last one's) and a title,
// written as OpusTags' ARTIST and TITLE comments when not empty: its
// header pages are appended to dst.
func (o *OggWriter) NewChain(dst []byte, serial uint32, artist, title string) ([]byte, error) {
	dst, err := o.End(dst)
	if err != nil {
		return dst, err
	}
	o.w = &ogg.Writer{Serial: serial, MaxGranules: int64(o.pageDuration()) * SampleRate / 1000}
	o.samples, o.packets = 0, 0
	head := Head{Channels: o.enc.Channels(), PreSkip: o.enc.PreSkip(), InputRate: SampleRate}
	o.header = head.Append(o.header[:0])
	dst = o.w.WriteHeader(dst, o.header)
	tags := Tags{Vendor: o.Vendor}
	if tags.Vendor == "" {
		tags.Vendor = "onair"
	}
	if artist != "" {
		tags.Comments = append(tags.Comments, "ARTIST="+artist)
	}
	if title != "" {
		tags.Comments = append(tags.Comments, "TITLE="+title)
	}
	o.header = tags.Append(o.header[:0])
	return o.w.WriteHeader(dst, o.header), nil
}

func (o *OggWriter) pageDuration() int {
	if o.PageDuration <= 0 {
		return DefaultPageDuration
	}
	return o.PageDuration
}

// Write encodes pcm, interleaved at 48 kHz with the encoder's channel
// count, of any length: whole frames are encoded now, the rest waits for
// the next call. NewChain must have been called.
func (o *OggWriter) Write(dst []byte, pcm []float32) ([]byte, error) {
	if o.w == nil {
		return dst, fmt.Errorf("%w: Write before NewChain", ErrOptions)
	}
	ch := o.enc.Channels()
	if len(pcm)%ch != 0 {
		return dst, fmt.Errorf("%w: %d samples for %d channels", ErrFrame, len(pcm), ch)
	}
	o.samples += int64(len(pcm) / ch)
	for len(pcm) > 0 {
		n := copy(o.pcm[o.fill:], pcm)
		o.fill += n
		pcm = pcm[n:]
		if o.fill < len(o.pcm) {
			break
		}
		var err error
		if dst, err = o.encode(dst, (o.packets+1)*FrameSize); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// encode encodes the gathered frame as the chain's next packet, ending at
// granule.
func (o *OggWriter) encode(dst []byte, granule int64) ([]byte, error) {
	var err error
	o.packet, err = o.enc.Encode(o.packet[:0], o.pcm)
	if err != nil {
		return dst, err
	}
	o.fill = 0
	o.packets++
	return o.w.WritePacket(dst, o.packet, granule), nil
}

// Flush writes the audio pages gathered so far now, for a caller that
// must not wait for a page to fill (the last frame's partial samples
// still wait).
func (o *OggWriter) Flush(dst []byte) []byte {
	if o.w == nil {
		return dst
	}
	return o.w.Flush(dst)
}

// End ends the current logical stream: the samples taken are encoded in
// full, padded with silence past the encoder's lookahead, and the last
// page's granule says where they end (RFC 7845 §4.4), so a decoder
// drops the padding. The encoder is reset for the next chain.
func (o *OggWriter) End(dst []byte) ([]byte, error) {
	if o.w == nil {
		return dst, nil
	}
	want := int64(o.enc.PreSkip()) + o.samples // the granule of the last sample
	for o.packets*FrameSize < want {
		clear(o.pcm[o.fill:])
		var err error
		// The last packet's granule is where the audio ends, short of
		// its full length: that is the end trimming.
		if dst, err = o.encode(dst, min((o.packets+1)*FrameSize, want)); err != nil {
			return dst, err
		}
	}
	dst = o.w.End(dst)
	o.w = nil
	if err := o.enc.Reset(); err != nil {
		return dst, err
	}
	return dst, nil
}
