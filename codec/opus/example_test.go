package opus_test

import (
	"fmt"

	"onair/codec/opus"
)

// An output writes an Ogg Opus stream: a chain per title, each page group
// sent as it comes. (Compiled, not run: it needs libopus.)
func ExampleOggWriter() {
	lib, err := opus.Load()
	if err != nil {
		fmt.Println(err) // wraps opus.ErrNoLibrary, says to install libopus0
		return
	}
	enc, err := lib.NewEncoder(opus.EncoderOptions{Channels: 2, Bitrate: 96})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer enc.Close()
	w := opus.NewOggWriter(enc)
	send := func(pages []byte) { /* one unit for the mount */ }

	pages, _ := w.NewChain(nil, 1, "Artist", "First title")
	send(pages)
	pcm := make([]float32, 2*4800) // 100 ms of stereo at 48 kHz, any length
	pages, _ = w.Write(pages[:0], pcm)
	send(pages) // empty until a page is full (DefaultPageDuration)
	// A title change ends the chain and starts the next, serial changed.
	pages, _ = w.NewChain(pages[:0], 2, "Artist", "Second title")
	send(pages)
	pages, _ = w.End(pages[:0])
	send(pages)
}
