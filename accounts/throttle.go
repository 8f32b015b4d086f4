package accounts

import (
	"sync"
	"time"
)

// Throttle slows down password guessing. It counts failed logins per key
// (a client address, a username) within Window; once a key has Free
// failures, each further attempt must wait 2, 4, 8 … seconds after the
// key's last failure, up to MaxDelay. It lives in memory and holds at
// most MaxKeys keys, forgetting the stalest first.
type Throttle struct {
	Window   time.Duration
	Free     int
	MaxDelay time.Duration
	MaxKeys  int
	// Now is the clock; nil is time.Now.
	Now func() time.Time

	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	n    int
	last time.Time
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

// Wait returns how long the caller must wait before trying any of keys
// again; 0 means it may try now.
func (t *Throttle) Wait(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, k := range keys {
		f := t.live(k, now)
		if f == nil || f.n < t.Free {
			continue
		}
		if d := f.last.Add(t.delay(f.n)).Sub(now); d > wait {
			wait = d
		}
	}
	return wait
}

// delay is the wait after n failures, n ≥ Free.
func (t *Throttle) delay(n int) time.Duration {
	d := 2 * time.Second
	for i := t.Free; i < n && d < t.MaxDelay; i++ {
		d *= 2
	}
	return min(d, t.MaxDelay)
}

// live returns the key's failures unless they are older than Window.
func (t *Throttle) live(k string, now time.Time) *failures {
	f := t.keys[k]
	if f != nil && now.Sub(f.last) >= t.Window {
		delete(t.keys, k)
		return nil
	}
	return f
}

// Fail counts a failed attempt against each of keys.
func (t *Throttle) Fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keys == nil {
		t.keys = map[string]*failures{}
	}
	now := t.now()
	for _, k := range keys {
		f := t.live(k, now)
		if f == nil {
			t.makeRoom(now)
			f = &failures{}
			t.keys[k] = f
		}
		f.n++
		f.last = now
	}
}

// makeRoom keeps the map under MaxKeys: stale keys go first, then the
// key whose last failure is oldest.
func (t *Throttle) makeRoom(now time.Time) {
	if len(t.keys) < t.MaxKeys {
		return
	}
	var oldest string
	var oldestAt time.Time
	for k, f := range t.keys {
		if now.Sub(f.last) >= t.Window {
			delete(t.keys, k)
			continue
		}
		if oldest == "" || f.last.Before(oldestAt) {
			oldest, oldestAt = k, f.last
		}
	}
	if len(t.keys) >= t.MaxKeys {
		delete(t.keys, oldest)
	}
}

// Reset forgets the failures of key, after a success.
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

// Len returns how many keys are remembered.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.keys)
}
