package frames_test

import (
	"fmt"

	"onair/codec/frames"
)

func ExampleSplitter() {
	// Three 128 kbps frames as a source might send them: after some junk,
	// and torn across reads.
	frame := func(padded bool) []byte {
		f := make([]byte, 417)
		copy(f, []byte{0xFF, 0xFB, 0x90, 0x64})
		if padded {
			f = append(f, 0)
			f[2] |= 0x02
		}
		return f
	}
	stream := append([]byte("junk"), frame(false)...)
	stream = append(stream, frame(true)...)
	stream = append(stream, frame(false)...)

	sp := frames.NewSplitter(frames.MP3, 0)
	emit := func(f []byte) { fmt.Println("frame of", len(f), "bytes") }
	for len(stream) > 0 {
		n := min(300, len(stream)) // a source's TCP reads
		sp.Split(stream[:n], emit)
		stream = stream[n:]
	}
	sp.Flush(emit) // the source hung up: the last frame goes out unconfirmed
	fmt.Printf("%+v\n%+v\n", sp.Stats(), sp.Info())
	// Output:
	// frame of 417 bytes
	// frame of 418 bytes
	// frame of 417 bytes
	// {Frames:3 Bytes:1252 Skipped:4 Tags:0 Resyncs:0 Pending:0}
	// {Codec:mp3 Bitrate:128 SampleRate:44100 Channels:2}
}
