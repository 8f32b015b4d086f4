package flac_test

import (
	"errors"
	"fmt"
	"io"
	"os"

	"onair/codec/flac"
)

// Reading a native FLAC file: its metadata, then frame after frame.
func ExampleNewReader() {
	f, err := os.Open("testdata/seed.flac")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	r, err := flac.NewReader(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d Hz, %d channels, %d bits: %q\n", r.Info.SampleRate, r.Info.Channels, r.Info.BitsPerSample, r.Title)
	samples := 0
	for {
		frame, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			continue // a damaged frame is skipped
		}
		samples += frame.BlockSize
	}
	fmt.Println(samples, "samples per channel")
	// Output:
	// 44100 Hz, 2 channels, 16 bits: "Tester - Seed"
	// 3528 samples per channel
}
