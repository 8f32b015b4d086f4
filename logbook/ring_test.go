package logbook

import (
	"slices"
	"sync"
	"testing"
)

// seqs lists the sequence numbers of items, and checks each item holds
// the value added with that number (values are added as seq*10).
func seqs(t *testing.T, items []Item[int]) []uint64 {
	t.Helper()
	out := []uint64{}
	for _, it := range items {
		if it.Value != int(it.Seq)*10 {
			t.Errorf("item %d holds %d, want %d", it.Seq, it.Value, it.Seq*10)
		}
		out = append(out, it.Seq)
	}
	return out
}

func fill(r *Ring[int], n int) {
	for range n {
		seq := r.Last() + 1
		r.Add(int(seq) * 10)
	}
}

func TestRingEmpty(t *testing.T) {
	r := NewRing[int](4)
	if r.Last() != 0 {
		t.Errorf("Last of an empty ring: %d", r.Last())
	}
	if got := r.Tail(nil, 10); len(got) != 0 {
		t.Errorf("Tail of an empty ring: %v", got)
	}
	if got, missed := r.After(nil, 0, 10); len(got) != 0 || missed != 0 {
		t.Errorf("After(0) of an empty ring: %v, missed %d", got, missed)
	}
	if seq := r.Add(10); seq != 1 {
		t.Errorf("first Add returned %d, want 1", seq)
	}
	if NewRing[int](0).Size() != 1 {
		t.Error("a ring of size 0 should keep one entry")
	}
}

// TestRingWraparound: a ring of 4 after 10 entries keeps 7..10; reads by
// tail and after sequence numbers see exactly those, and a reader that
// was behind is told how many it missed.
func TestRingWraparound(t *testing.T) {
	r := NewRing[int](4)
	fill(r, 10)
	if r.Last() != 10 {
		t.Fatalf("Last %d, want 10", r.Last())
	}
	tests := []struct {
		name       string
		read       func() ([]Item[int], uint64)
		want       []uint64
		wantMissed uint64
	}{
		{"tail of all", func() ([]Item[int], uint64) { return r.Tail(nil, 100), 0 }, []uint64{7, 8, 9, 10}, 0},
		{"tail of 2", func() ([]Item[int], uint64) { return r.Tail(nil, 2), 0 }, []uint64{9, 10}, 0},
		{"tail of 0", func() ([]Item[int], uint64) { return r.Tail(nil, 0), 0 }, []uint64{}, 0},
		{"tail of -1", func() ([]Item[int], uint64) { return r.Tail(nil, -1), 0 }, []uint64{}, 0},
		{"after 0: six overwritten", func() ([]Item[int], uint64) { return r.After(nil, 0, 100) }, []uint64{7, 8, 9, 10}, 6},
		{"after 6: none missed", func() ([]Item[int], uint64) { return r.After(nil, 6, 100) }, []uint64{7, 8, 9, 10}, 0},
		{"after 8", func() ([]Item[int], uint64) { return r.After(nil, 8, 100) }, []uint64{9, 10}, 0},
		{"after the newest", func() ([]Item[int], uint64) { return r.After(nil, 10, 100) }, []uint64{}, 0},
		{"after 3, limit 2", func() ([]Item[int], uint64) { return r.After(nil, 3, 2) }, []uint64{7, 8}, 3},
		{"after 7, limit 1", func() ([]Item[int], uint64) { return r.After(nil, 7, 1) }, []uint64{8}, 0},
		{"limit 0", func() ([]Item[int], uint64) { return r.After(nil, 7, 0) }, []uint64{}, 0},
		// A reader from before a restart holds a number the ring has not
		// reached: it starts again at the oldest entry.
		{"after a number not reached", func() ([]Item[int], uint64) { return r.After(nil, 50, 100) }, []uint64{7, 8, 9, 10}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, missed := tt.read()
			if got := seqs(t, items); !slices.Equal(got, tt.want) || missed != tt.wantMissed {
				t.Errorf("got %v missed %d, want %v missed %d", got, missed, tt.want, tt.wantMissed)
			}
		})
	}
}

// TestRingAppendsToDst: reads append to the slice given, so a reader can
// reuse one.
func TestRingAppendsToDst(t *testing.T) {
	r := NewRing[int](8)
	fill(r, 3)
	dst := []Item[int]{{Seq: 99, Value: 990}}
	dst, _ = r.After(dst, 1, 10)
	if got := seqs(t, dst); !slices.Equal(got, []uint64{99, 2, 3}) {
		t.Errorf("After onto a slice: %v", got)
	}
}

// TestRingFollowerReportsGaps: a reader that reads after each entry sees
// every one; one that sleeps through more than the ring holds is told
// how many it missed and carries on from the oldest.
func TestRingFollowerReportsGaps(t *testing.T) {
	r := NewRing[int](5)
	var cursor uint64
	read := func() ([]uint64, uint64) {
		items, missed := r.After(nil, cursor, 100)
		if len(items) > 0 {
			cursor = items[len(items)-1].Seq
		}
		return seqs(t, items), missed
	}
	fill(r, 3)
	if got, missed := read(); !slices.Equal(got, []uint64{1, 2, 3}) || missed != 0 {
		t.Fatalf("first read %v missed %d", got, missed)
	}
	fill(r, 12) // 4..15; the ring keeps 11..15
	if got, missed := read(); !slices.Equal(got, []uint64{11, 12, 13, 14, 15}) || missed != 7 {
		t.Fatalf("after falling behind: %v missed %d, want 11..15 missed 7", got, missed)
	}
	fill(r, 1)
	if got, missed := read(); !slices.Equal(got, []uint64{16}) || missed != 0 {
		t.Fatalf("caught up: %v missed %d", got, missed)
	}
}

// TestRingConcurrentWriters: writers add at once while a reader follows
// (run with -race). Every Add gets its own number, 1..total with none
// twice; each writer's entries keep its order; the reader accounts for
// every entry as read or missed, and only reads numbers in order.
func TestRingConcurrentWriters(t *testing.T) {
	const writers, each = 8, 2000
	type entry struct{ writer, n int }
	r := NewRing[entry](64)
	got := make([][]uint64, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for n := range each {
				got[w] = append(got[w], r.Add(entry{w, n}))
			}
		})
	}
	done := make(chan struct{})
	var read, missedTotal, cursor uint64
	lastN := make([]int, writers)
	for i := range lastN {
		lastN[i] = -1
	}
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		var buf []Item[entry]
		for finished := false; ; {
			select {
			case <-done:
				finished = true
			default:
			}
			var missed uint64
			buf, missed = r.After(buf[:0], cursor, 16)
			if len(buf) > 0 && buf[0].Seq != cursor+1+missed {
				t.Errorf("after %d (missed %d) the read starts at %d", cursor, missed, buf[0].Seq)
				return
			}
			missedTotal += missed
			for i, it := range buf {
				if it.Seq != buf[0].Seq+uint64(i) {
					t.Errorf("one read holds %d after %d", it.Seq, buf[i-1].Seq)
					return
				}
				if it.Value.n <= lastN[it.Value.writer] {
					t.Errorf("writer %d's entry %d read after its entry %d", it.Value.writer, it.Value.n, lastN[it.Value.writer])
					return
				}
				lastN[it.Value.writer] = it.Value.n
				cursor = it.Seq
				read++
			}
			if finished && len(buf) == 0 {
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	<-readerDone

	var all []uint64
	for w := range writers {
		if !slices.IsSorted(got[w]) {
			t.Errorf("writer %d got numbers out of order", w)
		}
		all = append(all, got[w]...)
	}
	slices.Sort(all)
	for i, seq := range all {
		if seq != uint64(i+1) {
			t.Fatalf("the %dth number handed out is %d: want 1..%d, each once", i+1, seq, writers*each)
		}
	}
	if r.Last() != writers*each || cursor != writers*each || read+missedTotal != writers*each {
		t.Errorf("last %d, reader at %d, read %d + missed %d: want all %d accounted for",
			r.Last(), cursor, read, missedTotal, writers*each)
	}
}
