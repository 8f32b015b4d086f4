// Package logbook keeps the server's most recent log entries in memory,
// for the console's Logs view: a fixed-size ring per log, numbered by
// sequence, which writers fill under a short lock and readers read at
// their own pace. A reader that falls behind misses the entries that were
// overwritten, and is told how many, instead of holding a writer up.
package logbook

import "sync"

// DefaultSize is how many entries a log keeps: many screens of the
// console's last 200 lines, a few hundred kilobytes at most.
const DefaultSize = 1000

// Item is an entry and its sequence number. Sequence numbers start at 1
// and have no gaps, so a jump between two items read means that entries
// were overwritten before they were read.
type Item[T any] struct {
	Seq   uint64
	Value T
}

// Ring keeps the last entries added to a log, in a fixed-size array that
// never grows. Its methods are safe for concurrent use; the lock is held
// only to copy entries in or out, never while formatting or writing them.
type Ring[T any] struct {
	mu    sync.Mutex
	slots []T
	next  uint64 // sequence number of the next entry added
}

// NewRing makes a ring keeping the last size entries (at least one).
func NewRing[T any](size int) *Ring[T] {
	return &Ring[T]{slots: make([]T, max(size, 1)), next: 1}
}

// Size is how many entries the ring keeps.
func (r *Ring[T]) Size() int { return len(r.slots) }

// Add keeps v as the newest entry, overwriting the oldest when the ring is
// full, and returns its sequence number.
func (r *Ring[T]) Add(v T) uint64 {
	r.mu.Lock()
	seq := r.next
	r.slots[r.slot(seq)] = v
	r.next++
	r.mu.Unlock()
	return seq
}

// Last is the newest entry's sequence number, 0 before the first.
func (r *Ring[T]) Last() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.next - 1
}

// Tail appends the newest n entries to dst, oldest first.
func (r *Ring[T]) Tail(dst []Item[T], n int) []Item[T] {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.next - r.oldest()
	return r.copyOut(dst, r.next-min(kept, uint64(max(n, 0))), r.next)
}

// After appends to dst up to limit entries that came after seq, oldest
// first. missed counts the entries after seq that were overwritten before
// this read; the read then starts at the oldest entry kept. A seq beyond
// the newest entry comes from before a restart (sequence numbers began
// again at 1), so the read starts at the oldest entry kept.
func (r *Ring[T]) After(dst []Item[T], seq uint64, limit int) (items []Item[T], missed uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	first, oldest := seq+1, r.oldest()
	if seq >= r.next {
		first = oldest
	}
	if first < oldest {
		missed = oldest - first
		first = oldest
	}
	end := min(r.next, first+uint64(max(limit, 0)))
	return r.copyOut(dst, first, end), missed
}

// oldest is the sequence number of the oldest entry kept (r.next when
// there is none). Called with mu held.
func (r *Ring[T]) oldest() uint64 {
	if size := uint64(len(r.slots)); r.next > size {
		return r.next - size
	}
	return 1
}

// copyOut appends entries first..end-1 to dst. Called with mu held.
func (r *Ring[T]) copyOut(dst []Item[T], first, end uint64) []Item[T] {
	for seq := first; seq < end; seq++ {
		dst = append(dst, Item[T]{Seq: seq, Value: r.slots[r.slot(seq)]})
	}
	return dst
}

func (r *Ring[T]) slot(seq uint64) uint64 { return (seq - 1) % uint64(len(r.slots)) }
