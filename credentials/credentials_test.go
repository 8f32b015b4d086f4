package credentials

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGeneratedPasswordsAreKeptHashed(t *testing.T) {
	dir := t.TempDir()
	st, gen, err := Open(dir, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	if gen.Admin == "" {
		t.Fatalf("want a generated password, got %+v", gen)
	}
	if !st.AdminOK("admin", gen.Admin) || !st.AdminOK("", gen.Admin) || st.AdminOK("root", gen.Admin) {
		t.Error("admin check wrong")
	}
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), gen.Admin) {
		t.Error("password stored in clear")
	}
	fi, _ := os.Stat(filepath.Join(dir, FileName))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	// The second start generates nothing and accepts the same passwords.
	st2, gen2, err := Open(dir, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	if gen2 != (Generated{}) {
		t.Errorf("second start generated %+v", gen2)
	}
	if !st2.AdminOK("admin", gen.Admin) {
		t.Error("kept passwords not accepted after restart")
	}
}

func TestConfiguredPasswordWins(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := Open(dir, "admin", ""); err != nil {
		t.Fatal(err)
	}
	st, gen, err := Open(dir, "boss", "an0ther")
	if err != nil {
		t.Fatal(err)
	}
	if gen != (Generated{}) {
		t.Errorf("generated %+v though both were configured", gen)
	}
	if !st.AdminOK("boss", "an0ther") || st.AdminOK("admin", "an0ther") {
		t.Error("configured passwords not used")
	}
	if st.AdminOK("boss", "") {
		t.Error("empty password accepted")
	}
}

// TestKeptSourceFromAnOlderVersion: the source password an older OnAir
// kept in the file is handed on, for the accounts store to take over.
func TestKeptSourceFromAnOlderVersion(t *testing.T) {
	dir := t.TempDir()
	src := HashPassword("older-source")
	os.WriteFile(filepath.Join(dir, FileName), []byte(`{"source":{"salt":"`+src.Salt+`","sha256":"`+src.Hash+`"}}`), 0o600)
	st, _, err := Open(dir, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	if k := st.KeptSource(); k == nil || !k.Matches("older-source") {
		t.Errorf("kept source %+v", k)
	}
	st, _, err = Open(dir, "admin", "")
	if err != nil || st.KeptSource() == nil {
		t.Errorf("kept source after the file was saved again: %v", err)
	}
}

func TestCorruptFileIsAnError(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte("{not json"), 0o600)
	if _, _, err := Open(dir, "admin", ""); err == nil || !strings.Contains(err.Error(), FileName) {
		t.Fatalf("want an error naming the file, got %v", err)
	}
}

func TestNewPasswordNeverHackme(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := NewPassword()
		if len(p) != 16 || p == "hackme" || seen[p] {
			t.Fatalf("bad password %q", p)
		}
		seen[p] = true
	}
}
