package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"onair/credentials"
	"onair/store"
)

// openSource opens the source password in the data folder dir.
func openSource(t *testing.T, dir string, opts SourceOptions) (*SourcePassword, string, *store.Store) {
	t.Helper()
	db, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	opts.Cost = bcrypt.MinCost
	sp, gen, err := OpenSourcePassword(context.Background(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return sp, gen, db
}

func checkSource(t *testing.T, sp *SourcePassword, pass string, want bool) {
	t.Helper()
	err := sp.Check(context.Background(), pass)
	if want && err != nil || !want && !errors.Is(err, ErrWrongPassword) {
		t.Errorf("source password %q: %v, want accepted %v", pass, err, want)
	}
}

// TestSourcePasswordPrecedence: the console's password wins over the
// configured one, which wins over the generated one; each is kept across
// restarts, and a reset goes back.
func TestSourcePasswordPrecedence(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sp, gen, db := openSource(t, dir, SourceOptions{})
	if gen == "" || sp.From() != SourceFromGenerated {
		t.Fatalf("first start: generated %q, from %s", gen, sp.From())
	}
	checkSource(t, sp, gen, true)
	checkSource(t, sp, "guess", false)
	db.Close()

	sp, again, db := openSource(t, dir, SourceOptions{Configured: "from-the-file"})
	if again != "" || sp.From() != SourceFromConfig {
		t.Fatalf("with a configured password: generated %q, from %s", again, sp.From())
	}
	checkSource(t, sp, "from-the-file", true)
	checkSource(t, sp, gen, false)
	if err := sp.Set(ctx, "from-the-console"); err != nil {
		t.Fatal(err)
	}
	checkSource(t, sp, "from-the-console", true)
	checkSource(t, sp, "from-the-file", false)
	db.Close()

	sp, _, _ = openSource(t, dir, SourceOptions{Configured: "from-the-file"})
	if !sp.FromConsole() {
		t.Fatal("the console's password was not kept")
	}
	checkSource(t, sp, "from-the-console", true)
	if err := sp.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	checkSource(t, sp, "from-the-file", true)
	checkSource(t, sp, "from-the-console", false)
}

// TestSourcePasswordReload: a reload replaces the configured password
// (the old one is refused at once), the console's keeps winning over it,
// and dropping it falls back to the generated one, or is refused when
// there is none.
func TestSourcePasswordReload(t *testing.T) {
	ctx := context.Background()
	sp, _, _ := openSource(t, t.TempDir(), SourceOptions{Configured: "old"})
	if err := sp.SetConfigured("new"); err != nil {
		t.Fatal(err)
	}
	checkSource(t, sp, "new", true)
	checkSource(t, sp, "old", false)
	if err := sp.SetConfigured(""); !errors.Is(err, ErrNeedsGenerated) {
		t.Fatalf("dropping the only password: %v, want ErrNeedsGenerated", err)
	}
	checkSource(t, sp, "new", true)
	if err := sp.Set(ctx, "console"); err != nil {
		t.Fatal(err)
	}
	if err := sp.SetConfigured("newer"); err != nil {
		t.Fatal(err)
	}
	checkSource(t, sp, "console", true)
	checkSource(t, sp, "newer", false)
	if err := sp.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	checkSource(t, sp, "newer", true)

	sp, gen, _ := openSource(t, t.TempDir(), SourceOptions{})
	if err := sp.SetConfigured("file"); err != nil {
		t.Fatal(err)
	}
	checkSource(t, sp, "file", true)
	checkSource(t, sp, gen, false)
	if err := sp.SetConfigured(""); err != nil {
		t.Fatal(err)
	}
	checkSource(t, sp, gen, true)
	checkSource(t, sp, "file", false)
}

// TestSourcePasswordFromThePreviousVersion: a data folder of the version
// before the source_password table (the generated password's salted
// SHA-256 in the credentials file, the console's bcrypt hash in the
// settings table) keeps both passwords working, and the generated one's
// hash becomes bcrypt at its first use.
func TestSourcePasswordFromThePreviousVersion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// The previous version's database: schema 5, with the console's
	// password in the settings table.
	db, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	consoleHash, _ := bcrypt.GenerateFromPassword([]byte("console-pw"), bcrypt.MinCost)
	// What migrations 6 and on added is taken away again.
	for _, q := range []string{
		"DROP TABLE source_password",
		"ALTER TABLE tracks DROP COLUMN loudness_lufs",
		"ALTER TABLE tracks DROP COLUMN true_peak_dbtp",
		"ALTER TABLE tracks DROP COLUMN loudness_source",
		`INSERT INTO settings (scope, key, value, updated_at) VALUES ('', 'source_password_hash', '"` + string(consoleHash) + `"', 1)`,
		`INSERT INTO settings (scope, key, value, updated_at) VALUES ('', 'max_listeners', '5', 1)`,
		"PRAGMA user_version = 5",
	} {
		if _, err := db.DB.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	kept := credentials.HashPassword("generated-pw")

	sp, gen, db := openSource(t, dir, SourceOptions{Kept: &kept})
	if gen != "" {
		t.Errorf("a password was generated over the kept one: %q", gen)
	}
	if !sp.FromConsole() {
		t.Fatal("the console's password from the settings table is not in force")
	}
	checkSource(t, sp, "console-pw", true)
	var n int
	if err := db.DB.QueryRowContext(ctx, "SELECT count(*) FROM settings WHERE key = 'source_password_hash'").Scan(&n); err != nil || n != 0 {
		t.Errorf("the settings table still holds the source password: %d, %v", n, err)
	}
	if err := db.DB.QueryRowContext(ctx, "SELECT count(*) FROM settings WHERE key = 'max_listeners'").Scan(&n); err != nil || n != 1 {
		t.Errorf("the other settings: %d, %v", n, err)
	}

	// Without the console's, the generated one from the file applies.
	if err := sp.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	checkSource(t, sp, "wrong", false)
	checkSource(t, sp, "generated-pw", true)
	var hash string
	if err := db.DB.QueryRowContext(ctx, "SELECT hash FROM source_password WHERE origin = 'generated'").Scan(&hash); err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(hash, legacyPrefix) || bcrypt.CompareHashAndPassword([]byte(hash), []byte("generated-pw")) != nil {
		t.Errorf("after its first use the kept hash is %q, want bcrypt", hash)
	}
	db.Close()

	// The next start finds it in the store; the file is no longer asked.
	sp, gen, _ = openSource(t, dir, SourceOptions{})
	if gen != "" {
		t.Errorf("generated %q on the next start", gen)
	}
	checkSource(t, sp, "generated-pw", true)
}

// TestAuthenticatorReasons: a refusal says why, for the log and metrics.
func TestAuthenticatorReasons(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestStore(t)
	if _, err := s.Create(ctx, "dj.anna", "dj-password", RoleDJ); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.EnsureAdmin(ctx, "admin", "admin-password"); err != nil {
		t.Fatal(err)
	}
	sp, _, err := OpenSourcePassword(ctx, s.db, SourceOptions{Configured: "source-pw", Cost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAuthenticator(s, sp, "admin")
	reason := func(err error) string {
		var r interface{ Reason() string }
		if errors.As(err, &r) {
			return r.Reason()
		}
		if err != nil {
			return err.Error()
		}
		return ""
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"source password", a.SourceOK(ctx, "/live", "source", "source-pw"), ""},
		{"source password, no user", a.SourceOK(ctx, "/live", "", "source-pw"), ""},
		{"DJ account", a.SourceOK(ctx, "/live", "dj.anna", "dj-password"), ""},
		{"wrong source password", a.SourceOK(ctx, "/live", "source", "nope"), "wrong_password"},
		{"DJ's wrong password", a.SourceOK(ctx, "/live", "dj.anna", "nope"), "wrong_password"},
		{"admin", a.AdminOK(ctx, "admin", "admin-password"), ""},
		{"admin without a user name", a.AdminOK(ctx, "", "admin-password"), ""},
		{"a DJ at the admin's door", a.AdminOK(ctx, "dj.anna", "dj-password"), "not_admin"},
		{"unknown user", a.AdminOK(ctx, "nobody", "x"), "unknown_user"},
		{"admin's wrong password", a.AdminOK(ctx, "admin", "x"), "wrong_password"},
	} {
		if got := reason(tt.err); got != tt.want {
			t.Errorf("%s: reason %q (%v), want %q", tt.name, got, tt.err, tt.want)
		}
	}
	if !errors.Is(ErrUnknownUser, ErrWrongPassword) || ErrUnknownUser.Error() != ErrWrongPassword.Error() {
		t.Error("an unknown user is told apart from a wrong password")
	}
}
