package flac

import (
	"math/rand/v2"
	"testing"
)

// crcBitwise is the CRC of RFC 9639 §9.1.8 and §9.3 a bit at a time:
// polynomial poly of width bits, unreflected, starting at zero.
func crcBitwise(b []byte, poly uint32, width uint) uint32 {
	var c uint32
	top := uint32(1) << (width - 1)
	mask := top<<1 - 1
	for _, x := range b {
		c ^= uint32(x) << (width - 8)
		for range 8 {
			if c&top != 0 {
				c = (c<<1 ^ poly) & mask
			} else {
				c = c << 1 & mask
			}
		}
	}
	return c
}

// TestCRCs checks the table-driven checksums against the bitwise
// definition on random bytes of every length up to 100, across the
// eight-byte steps of CRC-16.
func TestCRCs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for n := range 100 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if got, want := crc8(b), crcBitwise(b, 0x07, 8); uint32(got) != want {
			t.Errorf("CRC-8 of %d bytes: %#x, want %#x", n, got, want)
		}
		if got, want := crc16(b), crcBitwise(b, 0x8005, 16); uint32(got) != want {
			t.Errorf("CRC-16 of %d bytes: %#x, want %#x", n, got, want)
		}
	}
	// The check value of CRC-16/UMTS (this CRC's catalogue name).
	if got := crc16([]byte("123456789")); got != 0xfee8 {
		t.Errorf("CRC-16 of 123456789 = %#x, want 0xfee8", got)
	}
}
