package hls

import "encoding/binary"

// privOwner is the PRIV frame owner Apple's packed audio uses for a
// segment's first timestamp.
const privOwner = "com.apple.streaming.transportStreamTimestamp"

// AppendTag appends an ID3v2.4 tag holding the 90 kHz timestamp pts (33
// bits, as an MPEG-2 transport stream counts) in a PRIV frame and, when
// title is not empty, the title as a UTF-8 TIT2 frame.
func AppendTag(dst []byte, pts uint64, title string) []byte {
	start := len(dst)
	dst = append(dst, 'I', 'D', '3', 4, 0, 0, 0, 0, 0, 0)
	// PRIV: owner, NUL, 8-byte big-endian timestamp.
	dst = appendFrameHeader(dst, "PRIV", len(privOwner)+1+8)
	dst = append(dst, privOwner...)
	dst = append(dst, 0)
	dst = binary.BigEndian.AppendUint64(dst, pts&(1<<33-1))
	if title != "" {
		// TIT2: encoding 3 (UTF-8), the text, NUL.
		dst = appendFrameHeader(dst, "TIT2", 1+len(title)+1)
		dst = append(dst, 3)
		dst = append(dst, title...)
		dst = append(dst, 0)
	}
	putSynchsafe(dst[start+6:], len(dst)-start-10)
	return dst
}

// appendFrameHeader appends an ID3v2.4 frame header: id, synchsafe size,
// no flags.
func appendFrameHeader(dst []byte, id string, size int) []byte {
	dst = append(dst, id...)
	dst = append(dst, 0, 0, 0, 0, 0, 0)
	putSynchsafe(dst[len(dst)-6:], size)
	return dst
}

// putSynchsafe writes n as four 7-bit bytes (ID3v2.4 sizes).
func putSynchsafe(b []byte, n int) {
	b[0] = byte(n >> 21 & 0x7F)
	b[1] = byte(n >> 14 & 0x7F)
	b[2] = byte(n >> 7 & 0x7F)
	b[3] = byte(n & 0x7F)
}
