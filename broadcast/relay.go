package broadcast

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// RelayUser is the user name Icecast slaves log in with
// (<master-username>): it reads /admin/streamlist.txt and pulls mounts.
const RelayUser = "relay"

// relayChallenge is the realm an Icecast master asks relays for.
const relayChallenge = `Basic realm="Icecast2 Server"`

// relayOK accepts user/pass as a relay's: RelayUser with the relay
// password, or an admin account, so that an admin may test the list and
// a slave may be set up with admin credentials.
func (s *Server) relayOK(ctx context.Context, user, pass string) error {
	admin := func() error { return s.opts.Auth.AdminOK(ctx, user, pass) }
	if user != RelayUser {
		return admin()
	}
	relay := func() error {
		if s.opts.RelayPassword == "" {
			return errRelayOff
		}
		if subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.RelayPassword)) != 1 {
			return errRelayPassword
		}
		return nil
	}
	// An admin account may be named "relay" too.
	return eitherOK(relay, admin)
}

// handleStreamList is Icecast's /admin/streamlist.txt, the list an Icecast
// slave (or an OnAir edge) mirrors: every mount on air, one path a line,
// CRLF-terminated as Icecast writes it. A station's live input is mixed
// into its output and no stream of its own; a hidden mount is for those
// who know its name.
func (s *Server) handleStreamList(w http.ResponseWriter, r *http.Request) {
	if !s.adminLogin(w, r, DoorRelay, relayChallenge, s.relayOK) {
		return
	}
	s.slaves.listed(s.ClientAddr(r), time.Now())
	var b strings.Builder
	for _, m := range s.MountList() {
		if st := m.Settings(); !m.OnAir() || st.Input || st.Hidden {
			continue
		}
		b.WriteString(m.Path)
		b.WriteString("\r\n")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(b.String()))
}

// relayPull tells a relay's pull from a listener's, answering a refusal
// itself. A pull with relay or admin credentials is a relay, and one with
// other credentials is refused (401, or 429 for an address that failed
// too often): credentials on a stream request only ever mean a relay.
// Icecast 2.4 pulls the mounts of its master's list without credentials
// (only Icy-MetaData and its User-Agent), so a pull without them is a
// relay too when an Icecast asks from an address that has just read the
// list with relay credentials.
func (s *Server) relayPull(w http.ResponseWriter, r *http.Request) (relay, ok bool) {
	if _, _, has := r.BasicAuth(); !has {
		return strings.Contains(r.UserAgent(), "Icecast") && s.slaves.isSlave(s.ClientAddr(r), time.Now()), true
	}
	if !s.adminLogin(w, r, DoorRelay, relayChallenge, s.relayOK) {
		return false, false
	}
	return true, true
}

// slaveBook remembers the addresses that read the relay list with relay
// credentials: Icecast slaves, whose pulls carry none. Only web requests
// take its lock, never the writers.
type slaveBook struct {
	mu   sync.Mutex
	seen map[netip.Addr]slaveSeen
}

type slaveSeen struct {
	last time.Time     // the latest list read
	gap  time.Duration // between the two latest reads: the slave's interval
}

// Bounds of how long an address stays a slave after its latest list
// read: three of its intervals, so that a late read does not end it.
const (
	slaveMemoryMin = 30 * time.Second
	slaveMemoryMax = time.Hour
	maxSlaves      = 1024 // addresses remembered at most
)

func (e slaveSeen) until() time.Time {
	return e.last.Add(min(max(3*e.gap, slaveMemoryMin), slaveMemoryMax))
}

// listed notes that a read the list with relay credentials at now.
func (b *slaveBook) listed(a netip.Addr, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen == nil {
		b.seen = map[netip.Addr]slaveSeen{}
	}
	e, known := b.seen[a]
	if !known && len(b.seen) >= maxSlaves {
		for k, v := range b.seen {
			if now.After(v.until()) {
				delete(b.seen, k)
			}
		}
		if len(b.seen) >= maxSlaves {
			return // credentials were right: the pulls still are, with them
		}
	}
	if known {
		e.gap = now.Sub(e.last)
	}
	e.last = now
	b.seen[a] = e
}

// isSlave reports whether a read the list with relay credentials lately.
func (b *slaveBook) isSlave(a netip.Addr, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.seen[a]
	return ok && !now.After(e.until())
}

// freeSlot gives back the per-IP slot of a relay's connection while it
// stays open: a slave pulls every mount from one address, and
// max_connections_per_ip is for listeners. The slot of a client behind
// a trusted proxy is given back the same way.
func freeSlot(r *http.Request, c net.Conn) {
	if slot, _ := r.Context().Value(slotKey{}).(*forwardedSlot); slot != nil {
		slot.free()
		return
	}
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if t, ok := rawConn(c).(*trackedConn); ok {
		t.once.Do(t.release)
	}
}
