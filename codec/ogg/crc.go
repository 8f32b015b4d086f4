package ogg

// crcTable is the Ogg CRC-32 (polynomial 0x04C11DB7, not reflected) by
// byte (RFC 3533 §6).
var crcTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC is the checksum of a whole page with its CRC field (bytes 22 to
// 25) taken as zero, initial value and final XOR 0.
func CRC(page []byte) uint32 {
	var crc uint32
	for i, b := range page {
		if i >= 22 && i < 26 {
			b = 0
		}
		crc = crc<<8 ^ crcTable[byte(crc>>24)^b]
	}
	return crc
}
