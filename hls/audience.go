package hls

import (
	"sync"
	"time"
)

// MaxAudience bounds the listeners an Audience tracks, so that a flood of
// made-up User-Agents cannot grow it without end; past it, new pairs are
// not counted until old ones expire.
const MaxAudience = 100000

type listenerKey struct{ addr, agent string }

// Audience counts HLS listeners: distinct (address, User-Agent) pairs that
// fetched the playlist within the expiry. It is safe for concurrent use;
// only web requests touch it, never a mount's writer.
type Audience struct {
	mu      sync.Mutex
	seen    map[listenerKey]time.Time
	pruneAt time.Time
}

// NewAudience returns an empty audience.
func NewAudience() *Audience { return &Audience{seen: map[listenerKey]time.Time{}} }

// Seen notes a playlist fetch by addr with User-Agent agent at now.
func (a *Audience) Seen(addr, agent string, now time.Time, expiry time.Duration) {
	k := listenerKey{addr, agent}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.seen[k]; !ok && len(a.seen) >= MaxAudience {
		a.pruneLocked(now, expiry)
		if len(a.seen) >= MaxAudience {
			return
		}
	}
	a.seen[k] = now
	if now.After(a.pruneAt) {
		a.pruneLocked(now, expiry)
	}
}

// Count is the number of listeners seen within expiry of now.
func (a *Audience) Count(now time.Time, expiry time.Duration) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pruneLocked(now, expiry)
	return len(a.seen)
}

// pruneLocked forgets the pairs not seen within expiry; Seen runs it at
// most once per expiry, so its cost is spread thin.
func (a *Audience) pruneLocked(now time.Time, expiry time.Duration) {
	for k, t := range a.seen {
		if now.Sub(t) > expiry {
			delete(a.seen, k)
		}
	}
	a.pruneAt = now.Add(expiry)
}
