package accounts

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"onair/store"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestStore(t *testing.T) (*Store, *clock) {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := New(db)
	s.Cost, s.Now = bcrypt.MinCost, c.Now
	return s, c
}

func TestCreateVerifyUpdateDelete(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	admin, err := s.Create(ctx, "Alice", "correct horse", RoleAdmin)
	if err != nil || admin.ID == 0 || admin.Role != RoleAdmin || admin.Username != "Alice" {
		t.Fatalf("create: %+v %v", admin, err)
	}
	dj, err := s.Create(ctx, "bob.dj", "battery staple", RoleDJ)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, "ALICE", "whatever123", RoleDJ); !errors.Is(err, ErrExists) {
		t.Errorf("same name in other case: %v, want ErrExists", err)
	}

	// Usernames compare without case; passwords with.
	if a, err := s.Verify(ctx, "alice", "correct horse"); err != nil || a.ID != admin.ID {
		t.Errorf("verify alice: %+v %v", a, err)
	}
	for _, c := range [][2]string{{"alice", "Correct horse"}, {"nobody", "correct horse"}, {"", "x"}, {"bob.dj", ""}} {
		if _, err := s.Verify(ctx, c[0], c[1]); !errors.Is(err, ErrWrongPassword) {
			t.Errorf("verify %q/%q: %v, want ErrWrongPassword", c[0], c[1], err)
		}
	}

	list, err := s.List(ctx)
	if err != nil || len(list) != 2 || list[0].Username != "Alice" || list[1].Username != "bob.dj" {
		t.Fatalf("list: %+v %v", list, err)
	}

	clk.Add(time.Minute)
	pw := "new password"
	up, err := s.Update(ctx, dj.ID, Changes{Password: &pw})
	if err != nil || !up.UpdatedAt.After(dj.UpdatedAt) || up.Role != RoleDJ {
		t.Fatalf("update: %+v %v", up, err)
	}
	if _, err := s.Verify(ctx, "bob.dj", "battery staple"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("old password after change: %v", err)
	}
	if _, err := s.Verify(ctx, "bob.dj", "new password"); err != nil {
		t.Errorf("new password: %v", err)
	}
	admin2 := RoleAdmin
	if up, err := s.Update(ctx, dj.ID, Changes{Role: &admin2}); err != nil || up.Role != RoleAdmin {
		t.Errorf("promote: %+v %v", up, err)
	}
	if err := s.Delete(ctx, dj.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, dj.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("get deleted: %v", err)
	}
	if err := s.Delete(ctx, dj.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	if _, err := s.Verify(ctx, "bob.dj", "new password"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("verify deleted: %v", err)
	}
}

func TestUsernameAndPasswordRules(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	for _, c := range []struct {
		user, pw string
		role     Role
		ok       bool
	}{
		{"dj-1_a.b", "12345678", RoleDJ, true},
		{strings.Repeat("x", 64), "12345678", RoleDJ, true},
		{strings.Repeat("y", 65), "12345678", RoleDJ, false},
		{"", "12345678", RoleDJ, false},
		{"with space", "12345678", RoleDJ, false},
		{"émile", "12345678", RoleDJ, false},
		{"a:b", "12345678", RoleDJ, false}, // would break SHOUTcast's dj:pass
		{"short", "1234567", RoleDJ, false},
		{"long", strings.Repeat("p", 73), RoleDJ, false},
		{"boss", "12345678", Role("root"), false},
	} {
		_, err := s.Create(ctx, c.user, c.pw, c.role)
		if c.ok && err != nil || !c.ok && !errors.Is(err, ErrInvalid) {
			t.Errorf("create %q/%q/%q: %v", c.user, c.pw, c.role, err)
		}
	}
	if n, _ := s.Count(ctx); n != 2 {
		t.Errorf("%d accounts, want the 2 valid ones", n)
	}
}

func TestLastAdminStays(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	a, _ := s.Create(ctx, "root", "password1", RoleAdmin)
	dj := RoleDJ
	if _, err := s.Update(ctx, a.ID, Changes{Role: &dj}); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demote last admin: %v", err)
	}
	if err := s.Delete(ctx, a.ID); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("delete last admin: %v", err)
	}
	b, _ := s.Create(ctx, "second", "password2", RoleAdmin)
	if _, err := s.Update(ctx, a.ID, Changes{Role: &dj}); err != nil {
		t.Errorf("demote with another admin left: %v", err)
	}
	if err := s.Delete(ctx, b.ID); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("delete the admin left: %v", err)
	}
	if got, _ := s.Get(ctx, b.ID); got.Role != RoleAdmin {
		t.Errorf("the admin left is %+v", got)
	}
}

// TestVerifyCache: a verified password is remembered (no bcrypt on the
// next call) until the account changes; a wrong password never is.
func TestVerifyCache(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	a, _ := s.Create(ctx, "script", "password1", RoleDJ)
	if _, err := s.Verify(ctx, "script", "password1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(ctx, "script", "password2"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if n := s.cache.len(); n != 1 {
		t.Fatalf("%d cache entries, want 1 (the right password only)", n)
	}
	// Verify answers from the cache before bcrypt: an entry planted for
	// a password bcrypt would refuse is taken (under any case of the
	// username).
	s.cache.put(cacheKey("SCRIPT", "planted"), a, mustHash(t, s, a.ID), clk.Now())
	if _, err := s.Verify(ctx, "script", "planted"); err != nil {
		t.Fatalf("planted cache entry not used: %v", err)
	}

	// The password changes: the old one stops working at once, even
	// within the same second (same updated_at).
	pw := "password3"
	if _, err := s.Update(ctx, a.ID, Changes{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	if s.cache.len() != 0 {
		t.Errorf("cache kept %d entries after a password change", s.cache.len())
	}
	if _, err := s.Verify(ctx, "script", "password1"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("old password after change: %v", err)
	}
	if _, err := s.Verify(ctx, "script", "password3"); err != nil {
		t.Fatal(err)
	}
	// Entries expire.
	clk.Add(cacheTTL)
	h := mustHash(t, s, a.ID)
	if s.cache.get(cacheKey("script", "password3"), a, h, clk.Now()) {
		t.Error("cache entry outlived its TTL")
	}
}

func mustHash(t *testing.T, s *Store, id int64) string {
	t.Helper()
	var h string
	if err := s.db.DB.QueryRow("SELECT password_hash FROM accounts WHERE id = ?", id).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestCacheIgnoresAnotherStoresChange: an entry holds only while the
// stored hash is the one it was verified against, even when the change
// did not come through this Store.
func TestCacheIgnoresAnotherStoresChange(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	a, _ := s.Create(ctx, "dj", "password1", RoleDJ)
	if _, err := s.Verify(ctx, "dj", "password1"); err != nil {
		t.Fatal(err)
	}
	other := New(s.db)
	other.Cost, other.Now = s.Cost, s.Now
	pw := "password2"
	if _, err := other.Update(ctx, a.ID, Changes{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(ctx, "dj", "password1"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("stale cache entry accepted the old password: %v", err)
	}
}

func TestEnsureAdmin(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	a, created, err := s.EnsureAdmin(ctx, "admin", "adm1n") // configured passwords may be short
	if err != nil || !created || a.Role != RoleAdmin {
		t.Fatalf("first: %+v %v %v", a, created, err)
	}
	if _, created, err := s.EnsureAdmin(ctx, "admin", "adm1n"); err != nil || created {
		t.Errorf("again: %v %v", created, err)
	}
	// The operator changes admin_password in the config: it wins.
	if _, _, err := s.EnsureAdmin(ctx, "admin", "changed-pw"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(ctx, "admin", "adm1n"); err == nil {
		t.Error("old configured password still works")
	}
	if _, err := s.Verify(ctx, "admin", "changed-pw"); err != nil {
		t.Error(err)
	}
	// A DJ named like the configured admin is made admin again.
	s2, _ := newTestStore(t)
	s2.Create(ctx, "first", "password1", RoleAdmin)
	s2.Create(ctx, "admin", "password2", RoleDJ)
	if a, _, err := s2.EnsureAdmin(ctx, "admin", "password2"); err != nil || a.Role != RoleAdmin {
		t.Errorf("dj promoted: %+v %v", a, err)
	}
}

// TestLegacyAdminMigrates: with only the old credentials' hash known, the
// first successful check creates the bcrypt account; after that the
// accounts alone decide.
func TestLegacyAdminMigrates(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	calls := 0
	s.Legacy = func(u, p string) bool { calls++; return u == "admin" && p == "old-secret" }
	if _, err := s.Verify(ctx, "admin", "wrong"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("wrong legacy password: %v", err)
	}
	if n, _ := s.Count(ctx); n != 0 {
		t.Fatal("a failed legacy check made an account")
	}
	a, err := s.Verify(ctx, "admin", "old-secret")
	if err != nil || a.Role != RoleAdmin || a.Username != "admin" {
		t.Fatalf("legacy login: %+v %v", a, err)
	}
	pw := "new-secret"
	if _, err := s.Update(ctx, a.ID, Changes{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	calls = 0
	if _, err := s.Verify(ctx, "admin", "old-secret"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("legacy password after the change: %v", err)
	}
	if _, err := s.Verify(ctx, "admin", "new-secret"); err != nil {
		t.Error(err)
	}
	if calls != 0 {
		t.Errorf("legacy consulted %d times for an existing account", calls)
	}
}
