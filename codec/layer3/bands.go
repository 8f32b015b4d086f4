package layer3

// Scale factor bands: where each band starts in the 576 spectral lines
// of a granule, per sampling frequency (ISO 11172-3 Table B.8, 13818-3
// Table B.2 and the MPEG-2.5 extension, which reuses the 16 kHz bands at
// 11.025 and 12 kHz and doubles them at 8 kHz). Rows follow header.rate:
// 44.1, 48, 32, 22.05, 24, 16, 11.025, 12, 8 kHz.

// longBands[r][b] is the first line of long-block band b; [22] is 576.
var longBands = [9][23]int{
	{0, 4, 8, 12, 16, 20, 24, 30, 36, 44, 52, 62, 74, 90, 110, 134, 162, 196, 238, 288, 342, 418, 576},
	{0, 4, 8, 12, 16, 20, 24, 30, 36, 42, 50, 60, 72, 88, 106, 128, 156, 190, 230, 276, 330, 384, 576},
	{0, 4, 8, 12, 16, 20, 24, 30, 36, 44, 54, 66, 82, 102, 126, 156, 194, 240, 296, 364, 448, 550, 576},
	{0, 6, 12, 18, 24, 30, 36, 44, 54, 66, 80, 96, 116, 140, 168, 200, 238, 284, 336, 396, 464, 522, 576},
	{0, 6, 12, 18, 24, 30, 36, 44, 54, 66, 80, 96, 114, 136, 162, 194, 232, 278, 332, 394, 464, 540, 576},
	{0, 6, 12, 18, 24, 30, 36, 44, 54, 66, 80, 96, 116, 140, 168, 200, 238, 284, 336, 396, 464, 522, 576},
	{0, 6, 12, 18, 24, 30, 36, 44, 54, 66, 80, 96, 116, 140, 168, 200, 238, 284, 336, 396, 464, 522, 576},
	{0, 6, 12, 18, 24, 30, 36, 44, 54, 66, 80, 96, 116, 140, 168, 200, 238, 284, 336, 396, 464, 522, 576},
	{0, 12, 24, 36, 48, 60, 72, 88, 108, 132, 160, 192, 232, 280, 336, 400, 476, 566, 568, 570, 572, 574, 576},
}

// shortBands[r][b] is the first line of short-block band b within one
// window of 192 lines; [13] is 192.
var shortBands = [9][14]int{
	{0, 4, 8, 12, 16, 22, 30, 40, 52, 66, 84, 106, 136, 192},
	{0, 4, 8, 12, 16, 22, 28, 38, 50, 64, 80, 100, 126, 192},
	{0, 4, 8, 12, 16, 22, 30, 42, 58, 78, 104, 138, 180, 192},
	{0, 4, 8, 12, 18, 24, 32, 42, 56, 74, 100, 132, 174, 192},
	{0, 4, 8, 12, 18, 26, 36, 48, 62, 80, 104, 136, 180, 192},
	{0, 4, 8, 12, 18, 26, 36, 48, 62, 80, 104, 134, 174, 192},
	{0, 4, 8, 12, 18, 26, 36, 48, 62, 80, 104, 134, 174, 192},
	{0, 4, 8, 12, 18, 26, 36, 48, 62, 80, 104, 134, 174, 192},
	{0, 8, 16, 24, 36, 52, 72, 96, 124, 160, 162, 164, 166, 192},
}

// pretab is added to the long-block scale factors when preflag is set
// (ISO 11172-3 Table B.6); band 21 has none.
var pretab = [22]int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3, 2, 0}

// Mixed blocks code the lowest bands long and the rest short from short
// band 3 on. The long part is 8 bands in MPEG-1 and 6 in the LSF
// extensions: 36 lines, the two lowest subbands (72 at 8 kHz, where the
// standard leaves the split unclear; encoders do not use mixed blocks).
const (
	mixedLongMPEG1 = 8
	mixedLongLSF   = 6
	mixedShortFrom = 3
)

// mixedLong is the number of long bands of a mixed block.
func mixedLong(lsf bool) int {
	if lsf {
		return mixedLongLSF
	}
	return mixedLongMPEG1
}
