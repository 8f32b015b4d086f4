package loudness

import "math"

// The gates need, for every block above −70 LUFS, its loudness and its
// power. A histogram of fixed bins keeps both in constant memory, where a
// list of blocks grows by 10 entries a second (288 KB an hour, and an
// allocation now and then while it grows).
const (
	histFloor = -70.0 // LUFS, the absolute gate
	histTop   = 20.0  // LUFS; louder blocks share the top bin
	histStep  = 0.02  // LU per bin
	histBins  = int((histTop - histFloor) / histStep)
)

// histogram counts blocks by loudness, and sums their mean-square power
// per bin, so that means over bins are exact and only a block in the
// same bin as a gate's threshold may fall on the wrong side of it.
type histogram struct {
	count []int64
	power []float64
}

func newHistogram() histogram {
	return histogram{count: make([]int64, histBins), power: make([]float64, histBins)}
}

func (h *histogram) reset() {
	clear(h.count)
	clear(h.power)
}

// add counts a block of mean-square power z (channel weights applied).
// Blocks at or below the absolute gate are dropped, as is a NaN that a
// broken sample left in the block.
func (h *histogram) add(z float64) {
	l := loudnessOf(z)
	if !(l > histFloor) {
		return
	}
	i := histBins - 1
	if l < histTop {
		i = int((l - histFloor) / histStep)
	}
	h.count[i]++
	h.power[i] += z
}

// gated is the mean power of the blocks above the absolute gate and then
// above the relative gate rel LU below their mean (BS.1770-4 §5.1 and
// Tech 3342 use −10 and −20); from is the first bin above the relative
// gate. A bin goes in when its blocks' mean loudness is above the gate.
func (h *histogram) gated(rel float64) (z float64, from int, ok bool) {
	var n int64
	var sum float64
	for i, c := range h.count {
		n += c
		sum += h.power[i]
	}
	if n == 0 {
		return 0, 0, false
	}
	gate := loudnessOf(sum/float64(n)) + rel
	n, sum = 0, 0
	from = -1
	for i, c := range h.count {
		if c == 0 || loudnessOf(h.power[i]/float64(c)) <= gate {
			continue
		}
		if from < 0 {
			from = i
		}
		n += c
		sum += h.power[i]
	}
	if n == 0 {
		return 0, 0, false
	}
	return sum / float64(n), from, true
}

// percentile is the loudness below which a fraction q of the blocks from
// bin from on lie: the mean loudness of the bin holding the block of
// that rank.
func (h *histogram) percentile(from int, q float64) float64 {
	var n int64
	for _, c := range h.count[from:] {
		n += c
	}
	rank := int64(math.Ceil(q*float64(n))) - 1 // nearest rank, from 0
	rank = max(rank, 0)
	for i := from; i < histBins; i++ {
		c := h.count[i]
		if rank < c {
			return loudnessOf(h.power[i] / float64(c))
		}
		rank -= c
	}
	return math.Inf(-1)
}

// loudnessOf is BS.1770's loudness of a weighted mean square: the −0.691
// makes a 1 kHz sine read its level in dBFS on one channel.
func loudnessOf(z float64) float64 {
	return -0.691 + 10*math.Log10(z)
}
