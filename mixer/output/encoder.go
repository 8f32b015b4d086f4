package output

// Encoder is one output's encoder: MP3 (see NewMP3) or, later, Ogg Opus.
// An Encoder is used by one goroutine at a time.
type Encoder interface {
	// SampleRate is the rate, in Hz, of the PCM Encode takes.
	SampleRate() int
	// Delay is how many samples (per channel, at SampleRate) after going
	// in a sample is heard by a listener: the encoder's delay and a
	// decoder's. Titles are placed by it.
	Delay() int
	// Encode encodes pcm (interleaved stereo float32 at SampleRate, any
	// length) and calls emit with each whole frame (MP3) or page (Ogg) it
	// completes and the samples per channel that frame or page carries.
	// The frame is valid only during the call. It need not emit for every
	// call: an encoder keeps back what does not yet fill a frame.
	Encode(pcm []float32, emit func(frame []byte, samples int)) error
	// SetTitle gives the title of the audio the next Encode starts with.
	// An Ogg encoder may end its logical stream there and begin a new one
	// with the title in its comment header; MP3 ignores it (its titles
	// reach listeners as ICY metadata, which the mount splices in).
	SetTitle(title string)
	// Flush emits what is buffered, padding the last frame, at the end
	// of the stream.
	Flush(emit func(frame []byte, samples int)) error
	// Name says which encoder this is, such as "lame 3.100".
	Name() string
	// Close releases the encoder; it must not be used afterwards.
	Close() error
}
