package accounts

import (
	"crypto/sha256"
	"strings"
	"sync"
	"time"
)

// Bounds of the cache of verified credentials: a handful of scripts and
// DJs, each remembered for a few minutes.
const (
	cacheTTL = 5 * time.Minute
	cacheMax = 1024
)

// verifiedCache remembers credentials that bcrypt accepted. It is keyed by
// a SHA-256 of the username and password, never the password itself, and
// an entry holds only while the account's hash and update time are the
// ones it was verified against.
type verifiedCache struct {
	mu sync.Mutex
	m  map[[32]byte]cacheEntry
}

type cacheEntry struct {
	id      int64
	hash    string
	updated time.Time
	expires time.Time
}

func newVerifiedCache() *verifiedCache {
	return &verifiedCache{m: map[[32]byte]cacheEntry{}}
}

func cacheKey(username, password string) [32]byte {
	h := sha256.New()
	h.Write([]byte(strings.ToLower(username))) // usernames compare without case
	h.Write([]byte{0})
	h.Write([]byte(password))
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func (c *verifiedCache) get(key [32]byte, a Account, hash string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return false
	}
	if !now.Before(e.expires) || e.id != a.ID || e.hash != hash || !e.updated.Equal(a.UpdatedAt) {
		delete(c.m, key)
		return false
	}
	return true
}

func (c *verifiedCache) put(key [32]byte, a Account, hash string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= cacheMax {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= cacheMax {
			clear(c.m) // full of live entries: start over rather than scan on every put
		}
	}
	c.m[key] = cacheEntry{id: a.ID, hash: hash, updated: a.UpdatedAt, expires: now.Add(cacheTTL)}
}

// dropAccount forgets every entry of the account, after it changed.
func (c *verifiedCache) dropAccount(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if e.id == id {
			delete(c.m, k)
		}
	}
}

// len is for tests.
func (c *verifiedCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
