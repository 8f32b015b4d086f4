package mpeg

import (
	"encoding/binary"
	"testing"
)

// infoFrame returns a frame for the header bytes hdr, of size bytes, with
// tag written at off.
func infoFrame(hdr []byte, size, off int, tag []byte) []byte {
	f := make([]byte, size)
	copy(f, hdr)
	copy(f[off:], tag)
	return f
}

// xing returns a Xing or Info header with every field, and a LAME tag
// whose delay and padding are 576 and 1234.
func xing(kind string, frames, bytes uint32) []byte {
	b := []byte(kind)
	b = binary.BigEndian.AppendUint32(b, 0x0F)
	b = binary.BigEndian.AppendUint32(b, frames)
	b = binary.BigEndian.AppendUint32(b, bytes)
	b = append(b, make([]byte, 100+4)...) // seek table, quality
	lame := make([]byte, 0x18)
	copy(lame, "LAME3.100")
	lame[0x15], lame[0x16], lame[0x17] = 576>>4, 576&0xF<<4|1234>>8, 1234&0xFF
	return append(b, lame...)
}

func TestParseInfo(t *testing.T) {
	mpeg1 := []byte{0xFF, 0xFB, 0x90, 0x64}  // MPEG-1 Layer III 128k 44.1 kHz joint stereo
	crc := []byte{0xFF, 0xFA, 0x90, 0x64}    // the same with a CRC
	mono22 := []byte{0xFF, 0xF3, 0x80, 0xC4} // MPEG-2 Layer III 64k 22.05 kHz mono
	layer2 := []byte{0xFF, 0xFD, 0x90, 0x64} // MPEG-1 Layer II
	vbri := append([]byte("VBRI\x00\x01\x04\x81\x00\x50"), 0, 1, 0, 0, 0, 0, 0, 40)
	tests := []struct {
		name string
		f    []byte
		want Info
		ok   bool
	}{
		{"Xing with LAME tag", infoFrame(mpeg1, 417, 36, xing("Xing", 100, 41700)),
			Info{Kind: "Xing", Frames: 100, Bytes: 41700, Gapless: true, Delay: 576, Padding: 1234}, true},
		{"Info after a CRC", infoFrame(crc, 417, 38, xing("Info", 7, 8)),
			Info{Kind: "Info", Frames: 7, Bytes: 8, Gapless: true, Delay: 576, Padding: 1234}, true},
		{"Xing where the side information is short", infoFrame(mono22, 209, 13, xing("Xing", 5, 6)),
			Info{Kind: "Xing", Frames: 5, Bytes: 6, Gapless: true, Delay: 576, Padding: 1234}, true},
		{"Xing without the fields", infoFrame(mpeg1, 417, 36, []byte("Xing\x00\x00\x00\x00")),
			Info{Kind: "Xing"}, true},
		{"VBRI", infoFrame(mpeg1, 417, 36, vbri), Info{Kind: "VBRI", Bytes: 65536, Frames: 40}, true},
		{"Xing in the wrong place", infoFrame(mpeg1, 417, 40, xing("Xing", 1, 1)), Info{}, false},
		{"Layer II", infoFrame(layer2, 417, 36, xing("Xing", 1, 1)), Info{}, false},
		{"audio", infoFrame(mpeg1, 417, 36, nil), Info{}, false},
	}
	for _, tt := range tests {
		h, err := ParseHeader(tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got, ok := ParseInfo(h, tt.f); ok != tt.ok || got != tt.want {
			t.Errorf("%s: ParseInfo = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseInfo checks that no frame makes ParseInfo panic or read
// fields that are not there.
func FuzzParseInfo(f *testing.F) {
	f.Add(infoFrame([]byte{0xFF, 0xFB, 0x90, 0x64}, 417, 36, xing("Xing", 100, 41700)))
	f.Add(infoFrame([]byte{0xFF, 0xFB, 0x90, 0x64}, 60, 36, []byte("Info\x00\x00\x00\x0F")))
	f.Add(infoFrame([]byte{0xFF, 0xFB, 0x90, 0x64}, 56, 36, []byte("VBRI")))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		in, ok := ParseInfo(h, b)
		if !ok && in != (Info{}) || in.Frames < 0 || in.Bytes < 0 || in.Delay < 0 || in.Delay > 4095 || in.Padding < 0 || in.Padding > 4095 {
			t.Fatalf("ParseInfo = %+v, %v", in, ok)
		}
	})
}
