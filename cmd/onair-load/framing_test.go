package main

import (
	"bytes"
	"cmp"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// mp3Header is an MPEG-1 layer III frame header: 128 kbps, 44.1 kHz, stereo.
var mp3Header = []byte{0xFF, 0xFB, 0x90, 0x64}

// cat joins pieces of a test stream.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// fill is n bytes of audio filler.
func fill(n int) []byte { return bytes.Repeat([]byte{0xAA}, n) }

// titleBlock is an ICY block holding content, padded with NULs.
func titleBlock(content string) []byte {
	l := (len(content) + 15) / 16
	b := append([]byte{byte(l)}, content...)
	return append(b, make([]byte, l*16-len(content))...)
}

func TestStreamChecker(t *testing.T) {
	tests := []struct {
		name     string
		metaint  int
		codec    Codec
		stream   []byte
		wantErr  error
		errAt    string // "stream byte N" in the error
		audio    int64
		blocks   int64
		titles   int64
		rate     int
		unsynced bool
	}{
		{
			name: "no metadata", metaint: 0, codec: CodecMP3,
			stream: cat(mp3Header, fill(100)),
			audio:  104, rate: 16000,
		},
		{
			name: "empty blocks", metaint: 8, codec: CodecMP3,
			stream: cat(mp3Header, fill(4), []byte{0}, fill(8), []byte{0}, fill(3)),
			audio:  19, blocks: 2, rate: 16000,
		},
		{
			name: "title block", metaint: 8, codec: CodecMP3,
			stream: cat(mp3Header, fill(4), titleBlock("StreamTitle='Artist - Song';"), fill(8), []byte{0}, fill(1)),
			audio:  17, blocks: 2, titles: 1, rate: 16000,
		},
		{
			name: "title and url", metaint: 16, codec: CodecMP3,
			stream: cat(mp3Header, fill(12), titleBlock("StreamTitle='x';StreamUrl='http://example.org/';"), fill(16)),
			audio:  32, blocks: 1, titles: 1, rate: 16000,
		},
		{
			name: "largest block", metaint: 8, codec: CodecMP3,
			stream: cat(mp3Header, fill(4), titleBlock("StreamTitle='"+strings.Repeat("x", 255*16-15)+"';"), fill(8)),
			audio:  16, blocks: 1, titles: 1, rate: 16000,
		},
		{
			name: "block ends the body", metaint: 8, codec: CodecMP3,
			stream: cat(mp3Header, fill(4), []byte{0}),
			audio:  8, blocks: 1, rate: 16000,
		},
		{
			name: "block without StreamTitle", metaint: 8, codec: CodecMP3,
			stream:  cat(mp3Header, fill(4), titleBlock("StreamTitel='Artist - Song';")),
			wantErr: ErrBadBlock, errAt: "stream byte 18",
		},
		{
			name: "block one byte late", metaint: 8, codec: CodecMP3,
			// The server counts 9 audio bytes: the checker takes the 9th
			// (0xAA) as a length byte and finds audio, not a title.
			stream:  cat(mp3Header, fill(5), []byte{0}, fill(9), []byte{0}),
			wantErr: ErrBadBlock, errAt: "stream byte 9",
		},
		{
			name: "block one byte early", metaint: 8, codec: CodecMP3,
			stream:  cat(mp3Header, fill(3), titleBlock("StreamTitle='a';"), fill(8)),
			wantErr: ErrBadBlock, errAt: "stream byte 9",
		},
		{
			// Counted, not an error: the ICY framing is still checked.
			name: "no frame sync", metaint: 8, codec: CodecMP3,
			stream: cat([]byte("ID3\x04"), fill(4), titleBlock("StreamTitle='a';"), fill(8)),
			audio:  16, blocks: 1, titles: 1, unsynced: true,
		},
		{
			name: "reserved MPEG version", metaint: 8, codec: CodecMP3,
			stream: cat([]byte{0xFF, 0xEB, 0x90, 0x64}, fill(4)),
			audio:  8, unsynced: true,
		},
		{
			name: "no frame sync, then misframed", metaint: 8, codec: CodecMP3,
			stream:  cat(fill(8), []byte{1}, fill(16)),
			wantErr: ErrBadBlock, errAt: "stream byte 9",
		},
		{
			name: "ADTS", metaint: 8, codec: CodecADTS,
			stream: cat([]byte{0xFF, 0xF1, 0x50, 0x80}, fill(4), []byte{0}, fill(2)),
			audio:  10, blocks: 1,
		},
		{
			name: "MP3 where ADTS was announced", metaint: 8, codec: CodecADTS,
			stream: cat(mp3Header, fill(4)),
			audio:  8, unsynced: true,
		},
		{
			name: "unknown codec is not checked", metaint: 4, codec: CodecNone,
			stream: cat([]byte("OggS"), []byte{0}, fill(2)),
			audio:  6, blocks: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The same verdict however the stream is split across reads:
			// whole, in two at every byte (so every block is split at
			// every place), and one byte at a time.
			splits := [][][]byte{{tt.stream}}
			for i := 1; i < len(tt.stream); i++ {
				splits = append(splits, [][]byte{tt.stream[:i], tt.stream[i:]})
			}
			var bytewise [][]byte
			for i := range tt.stream {
				bytewise = append(bytewise, tt.stream[i:i+1])
			}
			splits = append(splits, bytewise)
			for _, reads := range splits {
				c := newStreamChecker(tt.metaint, tt.codec)
				var err error
				for _, p := range reads {
					if err = c.Feed(p); err != nil {
						break
					}
				}
				desc := "reads of " + lengths(reads)
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("%s: err = %v, want %v", desc, err, tt.wantErr)
					}
					if !strings.Contains(err.Error(), tt.errAt) {
						t.Fatalf("%s: err = %q, want it to say %q", desc, err, tt.errAt)
					}
					if c.Feed(fill(1)) != err {
						t.Fatalf("%s: Feed after an error did not return the error", desc)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", desc, err)
				}
				if c.audio != tt.audio || c.blocks != tt.blocks || c.titles != tt.titles || c.rate != tt.rate {
					t.Fatalf("%s: audio %d, blocks %d, titles %d, rate %d; want %d, %d, %d, %d",
						desc, c.audio, c.blocks, c.titles, c.rate, tt.audio, tt.blocks, tt.titles, tt.rate)
				}
				if syncErr := c.SyncErr(); (syncErr != nil) != tt.unsynced || (syncErr != nil && !errors.Is(syncErr, ErrNoSync)) {
					t.Fatalf("%s: SyncErr() = %v, want unsynced %v", desc, syncErr, tt.unsynced)
				}
				if c.pos != int64(len(tt.stream)) {
					t.Fatalf("%s: pos %d, want %d", desc, c.pos, len(tt.stream))
				}
			}
		})
	}
}

// lengths describes how a stream was split, for failure messages.
func lengths(reads [][]byte) string {
	var parts []string
	for i, p := range reads {
		if i == 8 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, strconv.Itoa(len(p)))
	}
	return strings.Join(parts, "+")
}

func TestCodecFor(t *testing.T) {
	tests := []struct {
		ct   string
		want Codec
	}{
		{"audio/mpeg", CodecMP3},
		{"Audio/MPEG; charset=binary", CodecMP3},
		{"audio/aacp", CodecADTS},
		{"audio/aac", CodecADTS},
		{"application/ogg", CodecNone},
		{"", CodecNone},
	}
	for _, tt := range tests {
		if got := codecFor(tt.ct); got != tt.want {
			t.Errorf("codecFor(%q) = %d, want %d", tt.ct, got, tt.want)
		}
	}
}

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name    string
		head    string
		metaint int
		codec   Codec
		reason  string // of the error; "" = no error
	}{
		{"Icecast", "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-metaint:16000\r\n\r\n", 16000, CodecMP3, ""},
		{"ICY status line", "ICY 200 OK\r\ncontent-type: audio/aacp\r\nIcy-MetaInt: 8192\r\n\r\n", 8192, CodecADTS, ""},
		{"refused", "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n", 0, 0, "status HTTP/1.0 503 Service Unavailable"},
		{"no metaint", "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n\r\n", 0, 0, "no icy-metaint"},
		{"bad metaint", "HTTP/1.0 200 OK\r\nicy-metaint: 0\r\n\r\n", 0, 0, "bad icy-metaint"},
		{"not HTTP", "SSH-2.0-OpenSSH\r\n\r\n", 0, 0, "bad response"},
		{"header without colon", "HTTP/1.0 200 OK\r\nicy-metaint 16000\r\n\r\n", 0, 0, "bad response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			metaint, codec, err := parseResponse([]byte(tt.head))
			if got := reason(err); got != tt.reason {
				t.Fatalf("reason %q (err %v), want %q", got, err, tt.reason)
			}
			if err == nil && (metaint != tt.metaint || codec != tt.codec) {
				t.Fatalf("metaint %d codec %d, want %d %d", metaint, codec, tt.metaint, tt.codec)
			}
		})
	}
}

// frame is one MP3 frame: header, then filler to size bytes.
func frame(header []byte, size int) []byte { return cat(header, fill(size-len(header))) }

var (
	frame441 = frame(mp3Header, 417)                      // 128 kbps, 44.1 kHz
	framePad = frame([]byte{0xFF, 0xFB, 0x92, 0x64}, 418) // the same, padded
	frame48  = frame([]byte{0xFF, 0xFB, 0x94, 0x64}, 384) // 128 kbps, 48 kHz
)

// withBlocks splices an ICY block (a title, then empty ones) after every
// metaint audio bytes of audio.
func withBlocks(audio []byte, metaint int) []byte {
	var out []byte
	for i := 0; len(audio) > 0; i++ {
		n := min(metaint, len(audio))
		out = append(out, audio[:n]...)
		audio = audio[n:]
		if n == metaint && len(audio) > 0 {
			if i == 0 {
				out = append(out, titleBlock("StreamTitle='a';")...)
			} else {
				out = append(out, 0)
			}
		}
	}
	return out
}

func TestStreamCheckerFollowsFrames(t *testing.T) {
	// metaint 419 puts the first block inside the second frame's header.
	const metaint = 419
	tests := []struct {
		name    string
		metaint int // 0: metaint
		stream  []byte
		feedErr error // from Feed
		endErr  error // from EndErr, when the stream ends there
	}{
		{name: "whole frames", stream: withBlocks(cat(frame441, framePad, frame441), metaint)},
		{name: "ends where a block is due", metaint: 417, stream: withBlocks(cat(frame441, frame441), 417)},
		{name: "ends after a block", metaint: 417, stream: cat(withBlocks(cat(frame441, frame441), 417), []byte{0})},
		{name: "cut frame", stream: withBlocks(cat(frame441, framePad[:200]), metaint), endErr: ErrEndInFrame},
		{name: "cut header", stream: withBlocks(cat(frame441, framePad[:2]), metaint), endErr: ErrEndInFrame},
		{name: "cut block", stream: cat(withBlocks(cat(frame441, frame441[:2]), metaint), []byte{2, 'S'}), endErr: ErrEndInBlock},
		{name: "frame too short", stream: withBlocks(cat(frame441[:416], frame441), metaint), feedErr: ErrFrameSync},
		{name: "new sample rate", stream: withBlocks(cat(frame441, frame48), metaint), feedErr: ErrFormatChange},
		{name: "unsynced start is not followed", stream: withBlocks(cat(fill(3), frame441), metaint)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mi := cmp.Or(tt.metaint, metaint)
			for i := range tt.stream {
				// Split in two at every byte, so that every header and
				// block is cut at every place.
				c := newStreamChecker(mi, CodecMP3)
				c.follow = true
				err := c.Feed(tt.stream[:i])
				if err == nil {
					err = c.Feed(tt.stream[i:])
				}
				if !errors.Is(err, tt.feedErr) {
					t.Fatalf("split at %d: Feed: %v, want %v", i, err, tt.feedErr)
				}
				if err != nil {
					if !errors.Is(c.EndErr(), tt.feedErr) {
						t.Fatalf("split at %d: EndErr %v after a Feed error %v", i, c.EndErr(), err)
					}
					continue
				}
				if err := c.EndErr(); !errors.Is(err, tt.endErr) {
					t.Fatalf("split at %d: EndErr: %v, want %v", i, err, tt.endErr)
				}
			}
		})
	}

	// Without follow (the default), frames are not looked at.
	c := newStreamChecker(metaint, CodecMP3)
	if err := c.Feed(withBlocks(cat(frame441, frame48[:10]), metaint)); err != nil || c.EndErr() != nil {
		t.Fatalf("not following: Feed %v, EndErr %v; want no error", err, c.EndErr())
	}
}
