package playlist

import (
	"math/rand/v2"
	"slices"
)

// entry is one item of a playlist as a picker sees it.
type entry struct {
	track  int64
	weight int
	ok     bool // the file plays (not missing, not broken, not failed to open)
	held   bool // kept back by the repeat guard, during one pick
}

// picker chooses the next item of one playlist by its mode. It lives in
// memory, beside the store: its place in the list, the round of a shuffle
// and the tracks played recently. Not safe for concurrent use.
type picker struct {
	mode   Mode
	guard  int
	items  []entry
	rng    *rand.Rand
	next   int     // sequential and looped: the index to play next
	round  []int   // shuffle: indices still to play this round, in order
	recent []int64 // the last tracks played, oldest first, at most guard
	done   bool    // sequential: played through
	// at finds a track's items, so the guard marks them without a scan.
	at map[int64][]int
}

func newPicker(mode Mode, guard int, items []entry, rng *rand.Rand) *picker {
	p := &picker{mode: mode, guard: guard, items: items, rng: rng}
	p.index()
	return p
}

func (p *picker) index() {
	p.at = make(map[int64][]int, len(p.items))
	for i, e := range p.items {
		p.at[e.track] = append(p.at[e.track], i)
	}
}

// hold marks the items the repeat guard keeps back (on) or clears them.
func (p *picker) hold(window int, on bool) {
	for _, t := range p.recent[len(p.recent)-window:] {
		for _, i := range p.at[t] {
			p.items[i].held = on
		}
	}
}

// reload takes a new item list (after an edit or a rescan), keeping the
// place: the recent tracks still count, a shuffle round keeps the tracks
// it has not played, and an ordered list carries on from where it was.
func (p *picker) reload(mode Mode, guard int, items []entry) {
	if mode != p.mode {
		p.next, p.round, p.done = 0, nil, false
	}
	var left map[int64]bool
	if len(p.round) > 0 {
		left = map[int64]bool{}
		for _, i := range p.round {
			if i < len(p.items) {
				left[p.items[i].track] = true
			}
		}
	}
	p.mode, p.guard, p.items = mode, guard, items
	p.round = p.round[:0]
	for i, e := range items {
		if left[e.track] {
			p.round = append(p.round, i)
		}
	}
	if p.next > len(items) {
		p.next = len(items)
	}
	if len(p.recent) > guard {
		p.recent = p.recent[len(p.recent)-guard:]
	}
	p.index()
}

// playable reports whether any item plays.
func (p *picker) playable() bool {
	for _, e := range p.items {
		if e.ok {
			return true
		}
	}
	return false
}

// pick returns the index of the next item, or -1 when there is nothing to
// play (an empty or broken list, or a sequential list played through).
func (p *picker) pick() int {
	if !p.playable() || p.done {
		return -1
	}
	var i int
	switch p.mode {
	case Sequential, Looped:
		i = p.pickOrdered()
	case Weighted:
		i = p.pickWeighted()
	default:
		i = p.pickShuffled()
	}
	if i >= 0 {
		p.played(p.items[i].track)
	}
	return i
}

// played notes a track for the repeat guard.
func (p *picker) played(track int64) {
	if p.guard == 0 {
		return
	}
	if len(p.recent) == p.guard {
		p.recent = append(p.recent[:0], p.recent[1:]...)
	}
	p.recent = append(p.recent, track)
}

// window is how much of the recent list binds: all of it, unless that
// would leave nothing eligible (fewer tracks play than the guard needs
// when files are broken, and the playlist must still play).
func (p *picker) window() int {
	ok := 0
	for _, e := range p.items {
		if e.ok {
			ok++
		}
	}
	return max(min(len(p.recent), ok-1), 0)
}

func (p *picker) pickOrdered() int {
	for range len(p.items) {
		if p.next >= len(p.items) {
			if p.mode == Sequential {
				p.done = true
				return -1
			}
			p.next = 0
		}
		i := p.next
		p.next++
		if p.items[i].ok {
			return i
		}
	}
	if p.mode == Sequential && p.next >= len(p.items) {
		p.done = true
	}
	return -1
}

// pickWeighted draws a track of weight w with probability w/Σw among the
// eligible ones: playable and not held back by the repeat guard. One pass
// to sum, one to find: microseconds for 10,000 items.
func (p *picker) pickWeighted() int {
	w := p.window()
	p.hold(w, true)
	defer p.hold(w, false)
	total := 0
	for _, e := range p.items {
		if e.ok && !e.held {
			total += e.weight
		}
	}
	if total == 0 {
		return -1
	}
	r := p.rng.IntN(total)
	for i, e := range p.items {
		if e.ok && !e.held {
			if r -= e.weight; r < 0 {
				return i
			}
		}
	}
	return -1
}

// pickShuffled plays each playable item once per round, in a new order
// each round. Within a round nothing repeats; at a round's start the
// repeat guard moves the tracks just played further back.
func (p *picker) pickShuffled() int {
	for attempt := 0; attempt < 2; attempt++ {
		if len(p.round) == 0 {
			for i, e := range p.items {
				if e.ok {
					p.round = append(p.round, i)
				}
			}
			p.rng.Shuffle(len(p.round), func(a, b int) { p.round[a], p.round[b] = p.round[b], p.round[a] })
		}
		w := p.window()
		p.hold(w, true)
		found := -1
		for k, i := range p.round {
			if i < len(p.items) && p.items[i].ok && !p.items[i].held {
				p.round = slices.Delete(p.round, k, k+1)
				found = i
				break
			}
		}
		p.hold(w, false)
		if found >= 0 {
			return found
		}
		// Everything left is held back or no longer plays: a new round.
		p.round = p.round[:0]
	}
	return -1
}
