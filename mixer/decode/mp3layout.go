package decode

import (
	"encoding/binary"
	"fmt"
	"io"
)

// mp3Layout is where the audio of an MP3 file is: past any ID3v2 tags
// and the Xing/Info frame, before any ID3v1, APEv2 or appended ID3v2 tag.
type mp3Layout struct {
	start, end int64       // the audio frames span [start, end)
	first      frameHeader // the first frame's header
	info       infoFrame   // what a Xing/Info/VBRI frame said
	hasInfo    bool        // there was one (and start is past it)
}

// How far past the tags the first frame may be. Encoders put it right
// after them; some taggers leave padding or junk between.
const maxSyncScan = 1 << 20

// locateMP3 finds the MP3 audio in r (size bytes). It fails with
// ErrUnsupported when no Layer III frame pair is found near the start.
func locateMP3(r io.ReaderAt, size int64) (mp3Layout, error) {
	end := audioEnd(r, size)
	from := skipID3v2(r, end)
	pos, h, frame := findSync(r, from, end)
	if pos < 0 {
		return mp3Layout{}, fmt.Errorf("no MPEG Layer III frames found: %w", ErrUnsupported)
	}
	l := mp3Layout{start: pos, end: end, first: h}
	if info, ok := parseInfoFrame(h, frame); ok {
		// The tag frame would decode as 1152 (576) samples of silence: leave
		// it out so that the LAME delay counts from the first real one.
		l.info, l.hasInfo = info, true
		l.start += int64(len(frame))
	}
	return l, nil
}

// skipID3v2 returns the offset past the ID3v2 tags at the start of the
// file (ID3v2.4 §3.1: "ID3", version, flags, 28-bit synchsafe size, and a
// 10-byte footer when flag 0x10 is set). A tag whose size runs past the
// end is lying: the search for audio then starts right after its header.
func skipID3v2(r io.ReaderAt, end int64) int64 {
	var off int64
	var b [10]byte
	for {
		if n, _ := r.ReadAt(b[:], off); n < 10 || string(b[:3]) != "ID3" {
			return off
		}
		size, ok := synchsafe(b[6:10])
		if !ok || b[3] == 0xFF || b[4] == 0xFF {
			return off
		}
		total := 10 + size
		if b[5]&0x10 != 0 {
			total += 10
		}
		if off+total > end {
			return off + 10
		}
		off += total
	}
}

// audioEnd returns size less the tags at the end of the file: ID3v1
// ("TAG", 128 bytes), APEv2 (32-byte "APETAGEX" footer whose size counts
// the items and footer, plus a header when flag bit 31 is set) and an
// appended ID3v2.4 tag ("3DI" footer). Their bytes would otherwise reach
// the frame splitter, which can mistake them for frames.
func audioEnd(r io.ReaderAt, size int64) int64 {
	end := size
	var b [32]byte
	for range 4 {
		if end >= 128 {
			if n, _ := r.ReadAt(b[:3], end-128); n == 3 && string(b[:3]) == "TAG" {
				end -= 128
				continue
			}
		}
		if end >= 32 {
			if n, _ := r.ReadAt(b[:32], end-32); n == 32 && string(b[:8]) == "APETAGEX" {
				total := int64(binary.LittleEndian.Uint32(b[12:]))
				if binary.LittleEndian.Uint32(b[20:])&(1<<31) != 0 {
					total += 32
				}
				if total >= 32 && total <= end {
					end -= total
					continue
				}
			}
		}
		if end >= 10 {
			if n, _ := r.ReadAt(b[:10], end-10); n == 10 && string(b[:3]) == "3DI" {
				if s, ok := synchsafe(b[6:10]); ok && 20+s <= end {
					end -= 20 + s
					continue
				}
			}
		}
		break
	}
	return end
}

// synchsafe decodes a 28-bit ID3v2 size (7 bits a byte).
func synchsafe(b []byte) (int64, bool) {
	var n int64
	for _, c := range b[:4] {
		if c&0x80 != 0 {
			return 0, false
		}
		n = n<<7 | int64(c)
	}
	return n, true
}

// findSync returns the offset, header and bytes of the first Layer III
// frame in [from, end) that is followed by another frame of the same
// stream (or by the end): one valid-looking header alone is too often a
// chance match in tag or junk bytes. It returns -1 when none is within
// maxSyncScan bytes.
func findSync(r io.ReaderAt, from, end int64) (int64, frameHeader, []byte) {
	const stride = 64 << 10
	buf := make([]byte, stride+2*maxFrameLen+4)
	for base := from; base < end && base < from+maxSyncScan; base += stride {
		n, _ := r.ReadAt(buf[:min(int64(len(buf)), end-base)], base)
		for i := 0; i < min(n, stride); i++ {
			if buf[i] != 0xFF {
				continue
			}
			h, ok := parseFrameHeader(buf[i:n])
			if !ok {
				continue
			}
			next := i + h.frameLen()
			if next > n {
				continue
			}
			if base+int64(next) == end {
				return base + int64(i), h, buf[i:next]
			}
			if next+4 <= n {
				if h2, ok := parseFrameHeader(buf[next:n]); ok && h.sameStream(h2) {
					return base + int64(i), h, buf[i:next]
				}
			}
		}
	}
	return -1, frameHeader{}, nil
}
