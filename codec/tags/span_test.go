package tags

import "testing"

// TestAt pins the stricter reading At gives a tag in the middle of a
// stream, byte by byte.
func TestAt(t *testing.T) {
	tests := []struct {
		name     string
		b        []byte
		boundary bool
		size     int64
		v        Verdict
	}{
		{"ID3v2.4 with footer", []byte("ID3\x04\x00\x10\x00\x00\x00\x05"), false, 25, Yes},
		{"ID3v2.3 with the undefined footer bit", []byte("ID3\x03\x00\x10\x00\x00\x00\x05"), false, 0, No},
		{"ID3v2 of an unknown version", []byte("ID3\x05\x00\x00\x00\x00\x00\x05"), false, 0, No},
		{"ID3v2 header cut short", []byte("ID3\x03\x00"), false, 0, More},
		{"ID3v1 at a frame boundary", append([]byte("TAG"), make([]byte, 125)...), true, 128, Yes},
		{"ID3v1 elsewhere", append([]byte("TAG"), make([]byte, 125)...), false, 0, No},
		{"APE header", apeTag(40, true), false, 32 + 40 + 32, Yes},
		{"APE footer", apeTag(40, false)[40:], false, 32, Yes},
		{"APE cut short", []byte("APETAG"), false, 0, More},
		{"audio", []byte{0xFF, 0xFB, 0x90, 0x64}, true, 0, No},
	}
	for _, tt := range tests {
		if size, v := At(tt.b, tt.boundary); size != tt.size || v != tt.v {
			t.Errorf("%s: At = %d, %v; want %d, %v", tt.name, size, v, tt.size, tt.v)
		}
	}
}
