package icy_test

import (
	"fmt"

	"onair/icy"
)

func ExampleBlock() {
	// A title from the Winamp DSP, in Windows-1252, with a stray "';".
	title := icy.DecodeText([]byte("Beyonc\xe9 \x96 Halo';"))
	b := icy.Block(nil, title, "")
	fmt.Println(b[0], len(b))
	fmt.Printf("%q\n", b[1:])
	// Output:
	// 3 49
	// "StreamTitle='Beyoncé – Halo’;';\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
}

func ExampleParse() {
	title, url, err := icy.Parse(icy.Block(nil, "Artist\r\nTitle", "http://example.org/"))
	fmt.Printf("%q %q %v\n", title, url, err)
	// Output:
	// "Artist Title" "http://example.org/" <nil>
}
