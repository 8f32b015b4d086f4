package icy

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

func TestReaderStripsBlocks(t *testing.T) {
	const metaint = 8
	var stream []byte
	audio := []byte("0123456789abcdefghijklmnopqrstuv") // 4 × metaint
	stream = append(stream, audio[:8]...)
	stream = Block(stream, "One", "")
	stream = append(stream, audio[8:16]...)
	stream = append(stream, 0)
	stream = append(stream, audio[16:24]...)
	stream = Block(stream, "Two", "http://x")
	stream = append(stream, audio[24:]...)
	var titles []string
	r := NewReader(iotest.OneByteReader(bytes.NewReader(stream)), metaint, func(title, url string) {
		titles = append(titles, title+"|"+url)
	})
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, audio) {
		t.Fatalf("audio %q, want %q", got, audio)
	}
	if len(titles) != 2 || titles[0] != "One|" || titles[1] != "Two|http://x" {
		t.Fatalf("titles %q", titles)
	}
}

func TestReaderWithoutMetaint(t *testing.T) {
	r := NewReader(bytes.NewReader([]byte("abc")), 0, nil)
	got, _ := io.ReadAll(r)
	if string(got) != "abc" {
		t.Fatalf("got %q", got)
	}
}

func TestReaderCutBlock(t *testing.T) {
	stream := append([]byte("abcd"), 2, 'S')
	_, err := io.ReadAll(NewReader(bytes.NewReader(stream), 4, nil))
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("read block")) {
		t.Fatalf("err %v", err)
	}
}
