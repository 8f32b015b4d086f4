package bans

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"onair/store"
)

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestListKeepsBansAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := openStore(t, dir)
	l, err := Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.List(); got == nil || len(got) != 0 {
		t.Fatalf("new list: %#v, want empty and not nil", got)
	}
	addr := netip.MustParseAddr("203.0.113.7")
	b, created, err := l.Add(ctx, "203.0.113.7", "spam")
	if err != nil || !created || b.Prefix != "203.0.113.7/32" || b.Reason != "spam" || b.CreatedAt.IsZero() {
		t.Fatalf("Add = %+v, %v, %v", b, created, err)
	}
	if !l.Banned(addr) || l.Banned(netip.MustParseAddr("203.0.113.8")) {
		t.Fatal("Banned does not follow Add at once")
	}
	if _, _, err := l.Add(ctx, "2001:db8::/32", ""); err != nil {
		t.Fatal(err)
	}
	// Banning again changes the reason and keeps the date.
	again, created, err := l.Add(ctx, "::ffff:203.0.113.7", "abuse")
	if err != nil || created || again.Reason != "abuse" || !again.CreatedAt.Equal(b.CreatedAt) {
		t.Fatalf("ban again = %+v, created %v, %v; want the same ban with the new reason", again, created, err)
	}
	st.Close()

	st = openStore(t, dir)
	defer st.Close()
	l, err = Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	got := l.List()
	if len(got) != 2 || got[0].Prefix != "203.0.113.7/32" || got[0].Reason != "abuse" || !got[0].CreatedAt.Equal(b.CreatedAt) ||
		got[1].Prefix != "2001:db8::/32" {
		t.Fatalf("after restart: %+v", got)
	}
	if !l.Banned(addr) || !l.Banned(netip.MustParseAddr("2001:db8:1::5")) {
		t.Fatal("bans not enforced after restart")
	}
	if err := l.Remove(ctx, "203.0.113.7/32"); err != nil {
		t.Fatal(err)
	}
	if l.Banned(addr) {
		t.Fatal("still banned after Remove")
	}
	if err := l.Remove(ctx, "203.0.113.7"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Remove of a lifted ban: %v, want ErrNotFound", err)
	}
	if err := l.Remove(ctx, "nonsense"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Remove(nonsense): %v, want ErrInvalid", err)
	}
	if _, _, err := l.Add(ctx, "10.0.0.0/8", string(make([]byte, MaxReason+1))); !errors.Is(err, ErrInvalid) {
		t.Fatalf("overlong reason: %v, want ErrInvalid", err)
	}
	var n int
	st.DB.QueryRow(`SELECT COUNT(*) FROM bans`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d rows in bans, want 1", n)
	}
}

// A row an operator wrote by hand as a bare address is enforced, shown,
// and can be lifted through the API's canonical form.
func TestListReadsHandWrittenRows(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, t.TempDir())
	defer st.Close()
	if _, err := st.DB.Exec(`INSERT INTO bans (prefix, reason, created_at) VALUES ('198.51.100.4', 'by hand', 0)`); err != nil {
		t.Fatal(err)
	}
	l, err := Open(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if !l.Banned(netip.MustParseAddr("198.51.100.4")) {
		t.Fatal("hand-written ban not enforced")
	}
	if err := l.Remove(ctx, "198.51.100.4/32"); err != nil {
		t.Fatal(err)
	}
	var n int
	st.DB.QueryRow(`SELECT COUNT(*) FROM bans`).Scan(&n)
	if n != 0 || len(l.List()) != 0 {
		t.Fatalf("after Remove: %d rows, list %v", n, l.List())
	}
}
