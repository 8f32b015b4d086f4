package mpeg

import "encoding/binary"

// Info is what a Xing, Info or VBRI frame says about the stream after it.
// Encoders write one of them as the first frame of a file: a Layer III
// frame that decodes to silence, so readers leave it out of the audio.
type Info struct {
	Kind   string // "Xing" (VBR), "Info" (CBR) or "VBRI" (Fraunhofer)
	Frames int64  // audio frames after this one; 0 = not given
	Bytes  int64  // their bytes; 0 = not given
	// Gapless says that Delay and Padding were given, by a LAME tag
	// (LAME, or FFmpeg's "Lavf"/"Lavc" writing the same layout).
	Gapless bool
	Delay   int // samples the encoder put before the audio
	Padding int // samples it appended to fill the last frame
}

// Xing header flags: which optional fields follow.
const (
	xingFrames  = 1
	xingBytes   = 2
	xingTOC     = 4 // a 100-byte seek table
	xingQuality = 8
)

// vbriOffset is where a VBRI header starts in its frame, whatever the
// mode: 32 bytes after the frame header.
const vbriOffset = HeaderSize + 32

// ParseInfo looks for a Xing or Info header in the Layer III frame f with
// header h, right after the side information, and for the LAME tag that
// follows its fields ("LAME Tag rev 1": a 9-byte encoder string, then at
// 0x15 from it the 12-bit encoder delay and 12-bit padding); or for a
// Fraunhofer VBRI header 32 bytes after the frame header. It reports
// false when f has none: f is then audio.
func ParseInfo(h Header, f []byte) (Info, bool) {
	if h.Layer != 3 {
		return Info{}, false
	}
	off := HeaderSize + h.SideInfoSize()
	if h.Protected {
		off += 2
	}
	if off+8 <= len(f) && (string(f[off:off+4]) == "Xing" || string(f[off:off+4]) == "Info") {
		in := Info{Kind: "Xing"}
		if string(f[off:off+4]) == "Info" {
			in.Kind = "Info"
		}
		flags := binary.BigEndian.Uint32(f[off+4:])
		p := off + 8
		if flags&xingFrames != 0 && p+4 <= len(f) {
			in.Frames = int64(binary.BigEndian.Uint32(f[p:]))
			p += 4
		}
		if flags&xingBytes != 0 && p+4 <= len(f) {
			in.Bytes = int64(binary.BigEndian.Uint32(f[p:]))
			p += 4
		}
		if flags&xingTOC != 0 {
			p += 100
		}
		if flags&xingQuality != 0 {
			p += 4
		}
		if p+0x18 <= len(f) {
			switch string(f[p : p+4]) {
			case "LAME", "Lavf", "Lavc":
				d := f[p+0x15:]
				in.Gapless = true
				in.Delay = int(d[0])<<4 | int(d[1])>>4
				in.Padding = int(d[1]&0x0F)<<8 | int(d[2])
			}
		}
		return in, true
	}
	// VBRI: "VBRI", version, delay, quality (2 bytes each), then the
	// stream's bytes and frames.
	if vbriOffset+18 <= len(f) && string(f[vbriOffset:vbriOffset+4]) == "VBRI" {
		return Info{
			Kind:   "VBRI",
			Bytes:  int64(binary.BigEndian.Uint32(f[vbriOffset+10:])),
			Frames: int64(binary.BigEndian.Uint32(f[vbriOffset+14:])),
		}, true
	}
	return Info{}, false
}
