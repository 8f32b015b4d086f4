package accounts

import (
	"net/netip"
	"sync"
	"time"
)

// Throttle slows down password guessing. It counts failed logins per
// client address within Window; once an address has Free failures, each
// further attempt must wait 2, 4, 8 … seconds after its last failure, up
// to MaxDelay, and is refused without its password being looked at. An
// address's failures are forgotten Window after the last one (after its
// wait, once it has one).
//
// Addresses are counted, not usernames: a lock on a username would let
// anyone lock its owner out, while a throttled address holds back only
// whoever sends from it. An IPv6 address counts by its /64, which one
// host usually holds whole. A success does not clear an address's
// failures: otherwise anyone with an account of their own could log in
// between guesses at someone else's password and never be held back.
//
// One Throttle serves every door that takes a password, so an address
// gets its free tries once, not once per door. It lives in memory and
// holds at most MaxKeys addresses, forgetting the stalest first.
type Throttle struct {
	Window   time.Duration
	Free     int
	MaxDelay time.Duration
	MaxKeys  int
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	mu   sync.Mutex
	keys map[netip.Prefix]*failures
}

type failures struct {
	n       int       // failed attempts within Window
	last    time.Time // the latest failure
	pending int       // attempts begun and not yet ended
}

// NewThrottle returns a throttle with the login defaults: five free
// failures in fifteen minutes, waits up to fifteen minutes.
func NewThrottle() *Throttle {
	return &Throttle{Window: 15 * time.Minute, Free: 5, MaxDelay: 15 * time.Minute, MaxKeys: 10000}
}

func (t *Throttle) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// throttleKey is what addr is counted under: itself for IPv4, its /64
// for IPv6. The zero Addr (an unknown peer) is a key of its own.
func throttleKey(addr netip.Addr) netip.Prefix {
	addr = addr.Unmap().WithZone("")
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, err := addr.Prefix(bits)
	if err != nil {
		return netip.Prefix{}
	}
	return p
}

// Begin asks to check a password sent from addr. A wait above zero
// refuses the attempt: the password must not be checked. Otherwise the
// attempt is counted as in progress until End, so that attempts made at
// once cannot all slip through before the first failure is counted.
func (t *Throttle) Begin(addr netip.Addr) (wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	k := throttleKey(addr)
	f := t.live(k, now)
	if wait := t.wait(f, now); wait > 0 {
		return wait
	}
	if f == nil {
		f = t.add(k, now)
	}
	f.pending++
	return 0
}

// End ends an attempt Begin let through: failed says the password was
// wrong. It returns how long addr must now wait before its next attempt
// is checked (zero while it has free tries left).
func (t *Throttle) End(addr netip.Addr, failed bool) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	k := throttleKey(addr)
	f := t.live(k, now)
	if f == nil {
		if !failed {
			return 0
		}
		f = t.add(k, now) // made room for others meanwhile
	}
	if f.pending > 0 {
		f.pending--
	}
	if failed {
		f.n++
		f.last = now
	}
	if f.n == 0 && f.pending == 0 {
		delete(t.keys, k)
		return 0
	}
	return t.wait(f, now)
}

// Wait returns how long addr must wait before its next attempt is
// checked; 0 means it may try now. It begins no attempt.
func (t *Throttle) Wait(addr netip.Addr) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	return t.wait(t.live(throttleKey(addr), now), now)
}

// wait is the time f's address must wait at now. Once the free tries are
// used up (or are all in progress), attempts go one at a time.
func (t *Throttle) wait(f *failures, now time.Time) time.Duration {
	if f == nil || f.n+f.pending < t.Free {
		return 0
	}
	var d time.Duration
	if f.n >= t.Free {
		d = f.last.Add(t.delay(f.n)).Sub(now)
	}
	if f.pending > 0 {
		d = max(d, time.Second)
	}
	return max(d, 0)
}

// delay is the wait after n failures, n ≥ Free.
func (t *Throttle) delay(n int) time.Duration {
	d := 2 * time.Second
	for i := t.Free; i < n && d < t.MaxDelay; i++ {
		d *= 2
	}
	return min(d, t.MaxDelay)
}

// live returns k's record, with its failures forgotten once they
// expire; a record with nothing in progress then goes.
func (t *Throttle) live(k netip.Prefix, now time.Time) *failures {
	f := t.keys[k]
	if f == nil || !t.expired(f, now) {
		return f
	}
	if f.pending == 0 {
		delete(t.keys, k)
		return nil
	}
	f.n = 0
	return f
}

// expired reports whether f's failures are forgotten: Window after the
// latest, or after the wait it started ends. Counting from the end of
// the wait keeps a guesser at MaxDelay there, rather than back to its
// free tries.
func (t *Throttle) expired(f *failures, now time.Time) bool {
	end := f.last.Add(t.Window)
	if f.n >= t.Free {
		end = end.Add(t.delay(f.n))
	}
	return !now.Before(end)
}

func (t *Throttle) stale(f *failures, now time.Time) bool {
	return f.pending == 0 && t.expired(f, now)
}

// add makes an empty record for k.
func (t *Throttle) add(k netip.Prefix, now time.Time) *failures {
	if t.keys == nil {
		t.keys = map[netip.Prefix]*failures{}
	}
	t.makeRoom(now)
	f := &failures{last: now}
	t.keys[k] = f
	return f
}

// makeRoom keeps the map under MaxKeys: stale keys go first, then the
// key whose last failure is oldest.
func (t *Throttle) makeRoom(now time.Time) {
	if t.MaxKeys <= 0 || len(t.keys) < t.MaxKeys {
		return
	}
	var oldest netip.Prefix
	var oldestAt time.Time
	found := false
	for k, f := range t.keys {
		if t.stale(f, now) {
			delete(t.keys, k)
			continue
		}
		if !found || f.last.Before(oldestAt) {
			oldest, oldestAt, found = k, f.last, true
		}
	}
	if len(t.keys) >= t.MaxKeys && found {
		delete(t.keys, oldest)
	}
}

// Len returns how many addresses are remembered.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys)
}
