package playlist

import (
	"math"
	"math/rand/v2"
	"testing"
)

func entries(weights ...int) []entry {
	out := make([]entry, len(weights))
	for i, w := range weights {
		out[i] = entry{track: int64(100 + i), weight: w, ok: true}
	}
	return out
}

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed+1)) }

func TestSequentialOnceThrough(t *testing.T) {
	items := entries(10, 10, 10, 10)
	items[2].ok = false // a missing file is skipped
	p := newPicker(Sequential, 0, items, seeded(1))
	var got []int
	for i := p.pick(); i >= 0; i = p.pick() {
		got = append(got, i)
		if len(got) > 10 {
			t.Fatal("a sequential playlist did not end")
		}
	}
	if want := []int{0, 1, 3}; !equalInts(got, want) {
		t.Fatalf("played %v, want %v", got, want)
	}
	if !p.done {
		t.Fatal("not marked done after one pass")
	}
}

func TestLoopedOrder(t *testing.T) {
	p := newPicker(Looped, 0, entries(1, 2, 3), seeded(1))
	var got []int
	for range 7 {
		got = append(got, p.pick())
	}
	if want := []int{0, 1, 2, 0, 1, 2, 0}; !equalInts(got, want) {
		t.Fatalf("played %v, want %v", got, want)
	}
}

// TestWeightedDistribution draws 10,000 picks and checks the counts
// against w/Σw with Pearson's chi-square test at the 0.1 % level.
func TestWeightedDistribution(t *testing.T) {
	weights := []int{1, 2, 3, 5, 10, 10}
	p := newPicker(Weighted, 0, entries(weights...), seeded(42))
	const n = 10000
	counts := make([]int, len(weights))
	for range n {
		counts[p.pick()]++
	}
	total := 0
	for _, w := range weights {
		total += w
	}
	chi := 0.0
	for i, w := range weights {
		want := float64(n) * float64(w) / float64(total)
		d := float64(counts[i]) - want
		chi += d * d / want
	}
	// 5 degrees of freedom: P(χ² > 20.52) = 0.001.
	if chi > 20.52 {
		t.Fatalf("counts %v for weights %v: chi-square %.1f over 20.52", counts, weights, chi)
	}
	t.Logf("counts %v, chi-square %.2f", counts, chi)
	// And the weight-1 track is not starved nor favoured: about 1/31.
	if r := float64(counts[0]) / n; math.Abs(r-1.0/31) > 0.01 {
		t.Fatalf("weight 1 drawn %.3f of the time", r)
	}
}

// TestRepeatGuardNeverViolated: in weighted and shuffle modes, an item
// repeats only after N others have played.
func TestRepeatGuardNeverViolated(t *testing.T) {
	for _, mode := range []Mode{Weighted, Shuffle} {
		for _, guard := range []int{1, 3, 6} {
			p := newPicker(mode, guard, entries(10, 1, 10, 5, 10, 2, 10), seeded(uint64(guard)))
			lastSeen := map[int]int{}
			for k := range 5000 {
				i := p.pick()
				if i < 0 {
					t.Fatalf("%s guard %d: nothing picked", mode, guard)
				}
				if at, ok := lastSeen[i]; ok && k-at <= guard {
					t.Fatalf("%s guard %d: item %d again after %d others", mode, guard, i, k-at-1)
				}
				lastSeen[i] = k
			}
		}
	}
}

// TestRepeatGuardWithBrokenTracks: when broken files leave fewer tracks
// than the guard needs, the playlist still plays.
func TestRepeatGuardWithBrokenTracks(t *testing.T) {
	items := entries(10, 10, 10, 10)
	items[0].ok, items[1].ok = false, false
	p := newPicker(Weighted, 3, items, seeded(1))
	for range 10 {
		if p.pick() < 2 {
			t.Fatal("picked a broken track or nothing")
		}
	}
}

func TestShuffleRounds(t *testing.T) {
	p := newPicker(Shuffle, 0, entries(1, 1, 1, 1, 1, 1, 1, 1), seeded(7))
	orders := map[string]bool{}
	for range 20 {
		seen := map[int]bool{}
		order := ""
		for range 8 {
			i := p.pick()
			if seen[i] {
				t.Fatalf("item %d twice in a round", i)
			}
			seen[i] = true
			order += string(rune('a' + i))
		}
		orders[order] = true
	}
	if len(orders) < 15 {
		t.Fatalf("only %d different orders in 20 rounds", len(orders))
	}
}

func TestReloadKeepsRound(t *testing.T) {
	p := newPicker(Shuffle, 0, entries(1, 1, 1, 1), seeded(3))
	first := p.items[p.pick()].track
	// The list is edited: a track added at the front.
	items := append([]entry{{track: 999, weight: 1, ok: true}}, entries(1, 1, 1, 1)...)
	p.reload(Shuffle, 0, items)
	seen := map[int64]bool{first: true}
	for range 3 {
		tr := p.items[p.pick()].track
		if seen[tr] {
			t.Fatalf("track %d twice in the round across a reload", tr)
		}
		seen[tr] = true
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkPickWeighted10k: the next track of a 10,000-track weighted
// playlist with a repeat guard of 50.
func BenchmarkPickWeighted10k(b *testing.B) {
	items := make([]entry, 10000)
	for i := range items {
		items[i] = entry{track: int64(i), weight: 1 + i%10, ok: true}
	}
	p := newPicker(Weighted, 50, items, seeded(1))
	b.ReportAllocs()
	for b.Loop() {
		p.pick()
	}
}

// BenchmarkPickShuffle10k: the same in shuffle mode.
func BenchmarkPickShuffle10k(b *testing.B) {
	items := make([]entry, 10000)
	for i := range items {
		items[i] = entry{track: int64(i), weight: 10, ok: true}
	}
	p := newPicker(Shuffle, 50, items, seeded(1))
	b.ReportAllocs()
	for b.Loop() {
		p.pick()
	}
}
