package bans

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"onair/store"
)

// ErrNotFound is returned when removing a prefix that is not banned.
var ErrNotFound = errors.New("not banned")

// MaxReason bounds a ban's reason, in bytes.
const MaxReason = 500

// Ban is one banned prefix as the API shows it.
type Ban struct {
	Prefix    string    `json:"prefix"` // canonical: "203.0.113.7/32", "2001:db8::/32"
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}

// snapshot is the list at one moment; never changed once published.
type snapshot struct {
	set  *Set
	bans []Ban // ordered by address
}

// canonical is a stored prefix in ParsePrefix's form, or as stored when it
// does not parse (a row edited by hand).
func canonical(stored string) string {
	if p, err := ParsePrefix(stored); err == nil {
		return p.String()
	}
	return stored
}

// find is the index of the ban on key (canonical), or -1.
func find(bans []Ban, key string) int {
	return slices.IndexFunc(bans, func(b Ban) bool { return canonical(b.Prefix) == key })
}

// List is the ban list: the store's bans table, mirrored in memory.
// Banned reads the mirror; Add and Remove write the store first and then
// publish a new mirror.
type List struct {
	st  *store.Store
	mu  sync.Mutex // serialises changes; never held by Banned
	cur atomic.Pointer[snapshot]
}

// Open loads the bans from st.
func Open(ctx context.Context, st *store.Store) (*List, error) {
	l := &List{st: st}
	rows, err := st.DB.QueryContext(ctx, `SELECT prefix, reason, created_at FROM bans`)
	if err != nil {
		return nil, fmt.Errorf("load bans: %w", err)
	}
	defer rows.Close()
	var bans []Ban
	for rows.Next() {
		var b Ban
		var at int64
		if err := rows.Scan(&b.Prefix, &b.Reason, &at); err != nil {
			return nil, fmt.Errorf("load bans: %w", err)
		}
		b.CreatedAt = time.UnixMilli(at)
		bans = append(bans, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load bans: %w", err)
	}
	l.publish(bans)
	return l, nil
}

// publish makes bans the list every check sees from now on. Rows whose
// prefix does not parse (edited by hand) are kept in the list but match
// nothing.
func (l *List) publish(bans []Ban) {
	ps := make([]netip.Prefix, 0, len(bans))
	for _, b := range bans {
		if p, err := ParsePrefix(b.Prefix); err == nil {
			ps = append(ps, p)
		}
	}
	slices.SortStableFunc(bans, func(a, b Ban) int {
		pa, _ := ParsePrefix(a.Prefix)
		pb, _ := ParsePrefix(b.Prefix)
		return comparePrefix(pa, pb)
	})
	l.cur.Store(&snapshot{set: NewSet(ps), bans: bans})
}

// Banned reports whether a is banned. It is safe from any goroutine and
// takes no lock.
func (l *List) Banned(a netip.Addr) bool {
	if l == nil {
		return false
	}
	return l.cur.Load().set.Contains(a)
}

// List returns the bans, ordered by address; never nil.
func (l *List) List() []Ban {
	return append([]Ban{}, l.cur.Load().bans...)
}

// Add bans prefix (an address or CIDR prefix) for reason, or changes the
// reason of an existing ban; created is false then.
func (l *List) Add(ctx context.Context, prefix, reason string) (_ Ban, created bool, err error) {
	p, err := ParsePrefix(prefix)
	if err != nil {
		return Ban{}, false, err
	}
	if len(reason) > MaxReason || !utf8.ValidString(reason) {
		return Ban{}, false, fmt.Errorf("%w: the reason must be UTF-8 text of at most %d bytes", ErrInvalid, MaxReason)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	bans := slices.Clone(l.cur.Load().bans)
	b := Ban{Prefix: p.String(), Reason: reason, CreatedAt: time.Now().Truncate(time.Millisecond)}
	i := find(bans, b.Prefix)
	if i >= 0 {
		b.CreatedAt = bans[i].CreatedAt
	}
	err = l.st.Tx(ctx, func(tx *sql.Tx) error {
		if i >= 0 && bans[i].Prefix != b.Prefix {
			// A row written by hand in another form: keep one row per prefix.
			if _, err := tx.ExecContext(ctx, `DELETE FROM bans WHERE prefix = ?`, bans[i].Prefix); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO bans (prefix, reason, created_at) VALUES (?, ?, ?)
			ON CONFLICT (prefix) DO UPDATE SET reason = excluded.reason`, b.Prefix, b.Reason, b.CreatedAt.UnixMilli())
		return err
	})
	if err != nil {
		return Ban{}, false, fmt.Errorf("ban %s: %w", b.Prefix, err)
	}
	if i >= 0 {
		bans[i] = b
	} else {
		bans = append(bans, b)
	}
	l.publish(bans)
	return b, i < 0, nil
}

// Remove lifts the ban on prefix, given in any form ParsePrefix reads.
func (l *List) Remove(ctx context.Context, prefix string) error {
	p, err := ParsePrefix(prefix)
	if err != nil {
		return err
	}
	key := p.String()
	l.mu.Lock()
	defer l.mu.Unlock()
	bans := slices.Clone(l.cur.Load().bans)
	i := find(bans, key)
	if i < 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	err = l.st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM bans WHERE prefix = ?`, bans[i].Prefix)
		return err
	})
	if err != nil {
		return fmt.Errorf("lift ban on %s: %w", key, err)
	}
	l.publish(slices.Delete(bans, i, i+1))
	return nil
}
