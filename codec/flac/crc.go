package flac

// Frame checksums (RFC 9639 §9.1.8 and §9.3): CRC-8 with polynomial
// x^8 + x^2 + x + 1 over the header, CRC-16 with polynomial
// x^16 + x^15 + x^2 + 1 over the whole frame, both starting at zero and
// unreflected.

var (
	crc8Table  = makeCRC8()
	crc16Table = makeCRC16()
	// crc16Slices[k][x] is the CRC-16 of byte x followed by k zero
	// bytes, for eight bytes a step: the footer's CRC covers the whole
	// frame, and one byte a step was a quarter of decoding time.
	crc16Slices = makeCRC16Slices()
)

func makeCRC8() (t [256]uint8) {
	for i := range t {
		c := uint8(i)
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x07
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}

func makeCRC16() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x8005
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}

func makeCRC16Slices() (t [8][256]uint16) {
	t[0] = crc16Table
	for k := 1; k < 8; k++ {
		for x := range 256 {
			c := t[k-1][x]
			t[k][x] = c<<8 ^ crc16Table[c>>8]
		}
	}
	return t
}

func crc8(b []byte) uint8 {
	var c uint8
	for _, x := range b {
		c = crc8Table[c^x]
	}
	return c
}

func crc16(b []byte) uint16 {
	var c uint16
	t := &crc16Slices
	for len(b) >= 8 {
		c = t[7][byte(c>>8)^b[0]] ^ t[6][byte(c)^b[1]] ^
			t[5][b[2]] ^ t[4][b[3]] ^ t[3][b[4]] ^ t[2][b[5]] ^ t[1][b[6]] ^ t[0][b[7]]
		b = b[8:]
	}
	for _, x := range b {
		c = c<<8 ^ crc16Table[byte(c>>8)^x]
	}
	return c
}
