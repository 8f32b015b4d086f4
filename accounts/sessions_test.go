package accounts

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSessionLifecycle(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	a, _ := s.Create(ctx, "dj", "password1", RoleDJ)
	sess, err := s.CreateSession(ctx, a.ID)
	if err != nil || len(sess.Token) != 43 || len(sess.CSRF) != 43 || sess.Token == sess.CSRF {
		t.Fatalf("create: %+v %v", sess, err)
	}
	// Only the token's hash is stored.
	var n int
	s.db.DB.QueryRow("SELECT count(*) FROM sessions WHERE token_hash = ? OR csrf = token_hash", sess.Token).Scan(&n)
	if n != 0 {
		t.Error("the raw token is stored")
	}
	got, err := s.Session(ctx, sess.Token)
	if err != nil || got.Account.ID != a.ID || got.CSRF != sess.CSRF || got.Refreshed {
		t.Fatalf("lookup: %+v %v", got, err)
	}
	// The token with its last character changed (to one it is not).
	last := "A"
	if sess.Token[42] == 'A' {
		last = "B"
	}
	for _, bad := range []string{"", "x", sess.Token[:42] + last, sess.CSRF} {
		if _, err := s.Session(ctx, bad); !errors.Is(err, ErrNoSession) {
			t.Errorf("token %q: %v", bad, err)
		}
	}

	// Sliding: within a minute nothing is written; after it, the expiry
	// moves to 12 h from now.
	clk.Add(30 * time.Second)
	if got, _ := s.Session(ctx, sess.Token); got.Refreshed || !got.ExpiresAt.Equal(sess.ExpiresAt) {
		t.Errorf("refreshed after 30 s: %+v", got)
	}
	clk.Add(11 * time.Hour)
	got, err = s.Session(ctx, sess.Token)
	if err != nil || !got.Refreshed || !got.ExpiresAt.Equal(clk.Now().Add(SessionTTL)) {
		t.Fatalf("after 11 h: %+v %v", got, err)
	}
	// 12 h after the first login, but only 2 h after the last use: alive.
	clk.Add(2 * time.Hour)
	if _, err := s.Session(ctx, sess.Token); err != nil {
		t.Fatalf("sliding session expired: %v", err)
	}
	// 12 h of silence ends it, and it is gone from the store.
	clk.Add(SessionTTL)
	if _, err := s.Session(ctx, sess.Token); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after 12 h idle: %v", err)
	}
	s.db.DB.QueryRow("SELECT count(*) FROM sessions").Scan(&n)
	if n != 0 {
		t.Errorf("%d sessions left after expiry", n)
	}

	// Logout.
	sess, _ = s.CreateSession(ctx, a.ID)
	if err := s.DeleteSession(ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, sess.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("after logout: %v", err)
	}

	// A role change shows at once; deleting the account ends its sessions.
	sess, _ = s.CreateSession(ctx, a.ID)
	s.Create(ctx, "boss", "password2", RoleAdmin)
	admin := RoleAdmin
	s.Update(ctx, a.ID, Changes{Role: &admin})
	if got, _ := s.Session(ctx, sess.Token); got.Account.Role != RoleAdmin {
		t.Errorf("role in session after promotion: %q", got.Account.Role)
	}
	s.Delete(ctx, a.ID)
	if _, err := s.Session(ctx, sess.Token); !errors.Is(err, ErrNoSession) {
		t.Errorf("session of a deleted account: %v", err)
	}
	if _, err := s.CreateSession(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("session for a deleted account: %v", err)
	}
}

// TestExpiredSessionsSwept: a new login clears out sessions that expired
// without being looked up again.
func TestExpiredSessionsSwept(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestStore(t)
	a, _ := s.Create(ctx, "dj", "password1", RoleDJ)
	for range 3 {
		s.CreateSession(ctx, a.ID)
	}
	clk.Add(SessionTTL + time.Second)
	s.CreateSession(ctx, a.ID)
	var n int
	s.db.DB.QueryRow("SELECT count(*) FROM sessions").Scan(&n)
	if n != 1 {
		t.Errorf("%d sessions stored, want the live one", n)
	}
}

// TestSetPasswordEndsSessions: the command line's password change (by
// username, from another Store on the same database, as another process
// holds it) ends every session and takes effect for the server's Store
// at once, its cache of verified passwords included.
func TestSetPasswordEndsSessions(t *testing.T) {
	ctx := context.Background()
	server, _ := newTestStore(t)
	a, err := server.Create(ctx, "Root", "old-password", RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.Verify(ctx, "root", "old-password"); err != nil {
		t.Fatal(err)
	}
	s1, _ := server.CreateSession(ctx, a.ID)
	s2, _ := server.CreateSession(ctx, a.ID)

	cli := New(server.db)
	cli.Cost = server.Cost
	if _, err := cli.SetPassword(ctx, "root", "new-password"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []Session{s1, s2} {
		if _, err := server.Session(ctx, s.Token); !errors.Is(err, ErrNoSession) {
			t.Errorf("a session outlived the password change: %v", err)
		}
	}
	if _, err := server.Verify(ctx, "root", "old-password"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("the old password: %v", err)
	}
	if _, err := server.Verify(ctx, "root", "new-password"); err != nil {
		t.Errorf("the new password: %v", err)
	}
	if _, err := cli.SetPassword(ctx, "nobody", "new-password"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v, want ErrNotFound", err)
	}
	if _, err := cli.SetPassword(ctx, "root", "short"); !errors.Is(err, ErrInvalid) {
		t.Errorf("a short password: %v, want ErrInvalid", err)
	}
}
