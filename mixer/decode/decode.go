// Package decode reads audio files as interleaved stereo float32 PCM.
//
// Open recognises MP3 (MPEG-1, MPEG-2 and MPEG-2.5 Layer III, through our
// own decoder in package layer3, which allocates nothing as it plays)
// and Ogg Vorbis (through oggvorbis) by their content, whatever the
// file's name says. Mono comes out on both channels and multichannel Vorbis is
// mixed down. MP3 files with a LAME or FFmpeg Info tag play gaplessly:
// the encoder's delay and padding are cut off. The formats themselves are
// read by the codec packages (mpeg, tags, layer3, ogg, vorbis); this
// package puts them together into a file reader.
package decode

import (
	"fmt"
	"os"
	"time"

	"onair/codec/ogg"
)

// Decoder is an open audio file.
type Decoder interface {
	// Read fills buf with interleaved stereo float32 frames (len(buf)
	// even) in [-1,1] at SampleRate(); returns frames*2 values read;
	// io.EOF at the end. Must not allocate per call in steady state.
	//
	// Read fills all of buf unless the stream ends first; after the last
	// samples it returns 0 and io.EOF, or 0 and an error wrapping
	// ErrCorrupt, naming the file, when the stream is damaged past
	// repair. A file cut short plays up to the cut and then says io.EOF.
	Read(buf []float32) (int, error)
	// SampleRate is the file's rate in Hz; Read does not resample.
	SampleRate() int
	// Duration is the track's length when known cheaply (0 = unknown).
	// It comes from the headers (the Xing/Info frame count, the bitrate of
	// a CBR MP3, the last Ogg page's granule position), so a lying header
	// makes it wrong: the end of the audio is only known at io.EOF.
	Duration() time.Duration
	// Close releases the file.
	Close() error
}

// Open opens the audio file at path. The format is told by the content
// (an ID3v2 tag or MPEG frame sync for MP3, "OggS" with a Vorbis header
// for Ogg Vorbis), not by the extension. Other formats are refused with
// an error wrapping ErrUnsupported.
func Open(path string) (Decoder, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	d, err := open(path, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return d, nil
}

func open(path string, f *os.File) (Decoder, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if size == 0 {
		return nil, fmt.Errorf("empty file: %w", ErrUnsupported)
	}
	var magic [4]byte
	if n, _ := f.ReadAt(magic[:], 0); ogg.HasCapture(magic[:n]) {
		return openVorbis(path, f, size)
	}
	return openMP3(path, f, size)
}

// safely runs fn, turning a panic in it into an error: the decoders can
// panic on corrupt data, and a bad file must not take the station down.
func safely(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("decoder panic: %v", r)
		}
	}()
	return fn()
}
