package flac

import "fmt"

// Channel assignments (RFC 9639 §9.1.3): up to 8 independent channels, or
// one of three stereo decorrelations.
const (
	LeftSide  = 8  // left, then side = left − right
	SideRight = 9  // side, then right
	MidSide   = 10 // mid = (left + right) >> 1, then side
)

// Header is a frame header (RFC 9639 §9.1).
type Header struct {
	// Variable is the blocking strategy: false for a fixed block size,
	// where Number counts frames, true for a variable one, where it
	// counts samples.
	Variable      bool
	Number        uint64
	BlockSize     int // samples per channel
	SampleRate    int // Hz
	Channels      int // 1…8
	Assignment    int // 0…7 independent channels, LeftSide, SideRight or MidSide
	BitsPerSample int
	Size          int // the header's bytes, CRC-8 included
}

// Block size and sample rate codes (RFC 9639 §9.1.1, §9.1.2).
var rateCodes = [12]int{0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000}

var sizeCodes = [8]int{0, 8, 12, 0, 16, 20, 24, 32}

// ParseHeader parses the frame header b starts with and checks its CRC-8.
// Values coded as "from STREAMINFO" are taken from si.
func ParseHeader(b []byte, si *StreamInfo) (Header, error) {
	var h Header
	if len(b) < 6 {
		return h, fmt.Errorf("%w: frame header", ErrShort)
	}
	if b[0] != 0xff || b[1]&0xfe != 0xf8 {
		return h, fmt.Errorf("%w: no sync code", ErrFrame)
	}
	h.Variable = b[1]&1 != 0
	bsCode, rateCode := b[2]>>4, b[2]&15
	chCode, sizeCode := b[3]>>4, b[3]>>1&7
	if b[3]&1 != 0 {
		return h, fmt.Errorf("%w: reserved bit set", ErrFrame)
	}
	switch {
	case bsCode == 0:
		return h, fmt.Errorf("%w: reserved block size code", ErrFrame)
	case rateCode == 15:
		return h, fmt.Errorf("%w: forbidden sample rate code", ErrFrame)
	case chCode > MidSide:
		return h, fmt.Errorf("%w: reserved channel assignment %d", ErrFrame, chCode)
	case sizeCode == 3:
		return h, fmt.Errorf("%w: reserved sample size code", ErrFrame)
	}
	// The coded number: UTF-8 style, up to 7 bytes for 36 bits.
	pos := 4
	n, k := decodeNumber(b[pos:])
	switch {
	case k == 0:
		return h, fmt.Errorf("%w: bad coded number", ErrFrame)
	case k < 0:
		return h, fmt.Errorf("%w: frame header", ErrShort)
	case !h.Variable && k > 6:
		return h, fmt.Errorf("%w: frame number past 31 bits", ErrFrame)
	}
	h.Number = n
	pos += k
	need := pos + 1
	switch bsCode {
	case 6:
		need++
	case 7:
		need += 2
	}
	switch rateCode {
	case 12:
		need++
	case 13, 14:
		need += 2
	}
	if len(b) < need {
		return h, fmt.Errorf("%w: frame header", ErrShort)
	}
	switch {
	case bsCode == 1:
		h.BlockSize = 192
	case bsCode <= 5:
		h.BlockSize = 576 << (bsCode - 2)
	case bsCode == 6:
		h.BlockSize = int(b[pos]) + 1
		pos++
	case bsCode == 7:
		h.BlockSize = (int(b[pos])<<8 | int(b[pos+1])) + 1
		pos += 2
	default:
		h.BlockSize = 256 << (bsCode - 8)
	}
	switch {
	case rateCode == 0:
		if si == nil {
			return h, fmt.Errorf("%w: sample rate from a STREAMINFO not given", ErrFrame)
		}
		h.SampleRate = si.SampleRate
	case rateCode < 12:
		h.SampleRate = rateCodes[rateCode]
	case rateCode == 12:
		h.SampleRate = int(b[pos]) * 1000
		pos++
	case rateCode == 13:
		h.SampleRate = int(b[pos])<<8 | int(b[pos+1])
		pos += 2
	default:
		h.SampleRate = (int(b[pos])<<8 | int(b[pos+1])) * 10
		pos += 2
	}
	if sizeCode == 0 {
		if si == nil {
			return h, fmt.Errorf("%w: sample size from a STREAMINFO not given", ErrFrame)
		}
		h.BitsPerSample = si.BitsPerSample
	} else {
		h.BitsPerSample = sizeCodes[sizeCode]
	}
	if crc8(b[:pos]) != b[pos] {
		return h, fmt.Errorf("%w: header CRC-8", ErrCRC)
	}
	h.Size = pos + 1
	h.Assignment = int(chCode)
	h.Channels = int(chCode) + 1
	if chCode >= LeftSide {
		h.Channels = 2
	}
	switch {
	case h.BlockSize > MaxBlockSize:
		// Only the 16-bit code can say 65536, which §9.1.1 forbids.
		return h, fmt.Errorf("%w: block size %d", ErrFrame, h.BlockSize)
	case h.SampleRate == 0:
		return h, fmt.Errorf("%w: sample rate 0", ErrFrame)
	case h.BitsPerSample < 4:
		return h, fmt.Errorf("%w: %d bits per sample", ErrFrame, h.BitsPerSample)
	case h.BitsPerSample > 24:
		// Its side channel needs 33 bits, which the int32 paths lack.
		return h, fmt.Errorf("%w: %d bits per sample", ErrUnsupported, h.BitsPerSample)
	}
	return h, nil
}

// decodeNumber reads the UTF-8 style coded number (RFC 9639 §9.1.5) that b
// starts with: it returns the number and its length in bytes, 0 when it
// is malformed, or −1 when b ends inside it.
func decodeNumber(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, -1
	}
	c := b[0]
	var k int
	var v uint64
	switch {
	case c < 0x80:
		return uint64(c), 1
	case c < 0xc0:
		return 0, 0
	case c < 0xe0:
		k, v = 2, uint64(c&0x1f)
	case c < 0xf0:
		k, v = 3, uint64(c&0x0f)
	case c < 0xf8:
		k, v = 4, uint64(c&0x07)
	case c < 0xfc:
		k, v = 5, uint64(c&0x03)
	case c < 0xfe:
		k, v = 6, uint64(c&0x01)
	case c == 0xfe:
		k, v = 7, 0
	default:
		return 0, 0
	}
	if len(b) < k {
		return 0, -1
	}
	for _, x := range b[1:k] {
		if x&0xc0 != 0x80 {
			return 0, 0
		}
		v = v<<6 | uint64(x&0x3f)
	}
	return v, k
}
