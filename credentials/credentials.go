// Package credentials keeps the admin and source passwords: configured ones
// as given, missing ones generated on first start and kept, hashed, in the
// data folder so that they survive restarts without being stored in clear.
package credentials

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileName is the file in the data folder that holds generated secrets.
const FileName = "credentials.json"

// Secret is a salted SHA-256 hash of a password. Generated passwords carry
// about 95 bits of entropy, so a fast hash is enough for them; configured
// passwords are never written to disk at all.
type Secret struct {
	Salt string `json:"salt"`
	Hash string `json:"sha256"`
}

// HashPassword makes a Secret for pw with a fresh salt.
func HashPassword(pw string) Secret {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails on supported platforms
	return Secret{Salt: hex.EncodeToString(salt), Hash: digest(salt, pw)}
}

func digest(salt []byte, pw string) string {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(pw))
	return hex.EncodeToString(h.Sum(nil))
}

// Matches reports whether pw is the password, in constant time.
func (s Secret) Matches(pw string) bool {
	salt, err := hex.DecodeString(s.Salt)
	if err != nil || s.Hash == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(digest(salt, pw)), []byte(s.Hash)) == 1
}

// Store checks the admin's and sources' passwords.
type Store struct {
	AdminUser string
	admin     Secret
	source    Secret
}

// Generated holds the passwords made on this start, to be shown once.
type Generated struct {
	Admin  string
	Source string
}

type file struct {
	Admin  *Secret `json:"admin,omitempty"`
	Source *Secret `json:"source,omitempty"`
}

// Open returns the store for dataDir. A configured password (non-empty)
// wins; else the one kept in dataDir; else a new one is generated, kept
// hashed, and returned in Generated.
func Open(dataDir, adminUser, adminPassword, sourcePassword string) (*Store, Generated, error) {
	var gen Generated
	path := filepath.Join(dataDir, FileName)
	var kept file
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &kept); err != nil {
			return nil, gen, fmt.Errorf("read %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, gen, fmt.Errorf("read %s: %w", path, err)
	}
	st := &Store{AdminUser: adminUser}
	changed := false
	pick := func(configured string, kept **Secret, out *Secret, generated *string) {
		switch {
		case configured != "":
			*out = HashPassword(configured)
		case *kept != nil:
			*out = **kept
		default:
			pw := NewPassword()
			*out = HashPassword(pw)
			*kept = out
			*generated = pw
			changed = true
		}
	}
	pick(adminPassword, &kept.Admin, &st.admin, &gen.Admin)
	pick(sourcePassword, &kept.Source, &st.source, &gen.Source)
	if changed {
		if err := save(dataDir, path, kept); err != nil {
			return nil, Generated{}, err
		}
	}
	return st, gen, nil
}

func save(dataDir, path string, f file) error {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fmt.Errorf("create data folder %s: %w", dataDir, err)
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode credentials: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// NewPassword returns a random password of 16 characters that is easy to
// read aloud and to type: no 0/O, 1/l/I.
func NewPassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// SourceOK reports whether pass is the source password. Any user name is
// accepted with it: Icecast clients send "source", SHOUTcast clients a DJ
// name or none, until DJ accounts exist.
func (s *Store) SourceOK(mount, user, pass string) bool {
	return s.source.Matches(pass)
}

// AdminOK reports whether user/pass are the admin's; user "" checks the
// password alone.
func (s *Store) AdminOK(user, pass string) bool {
	if user != "" && subtle.ConstantTimeCompare([]byte(user), []byte(s.AdminUser)) != 1 {
		return false
	}
	return s.admin.Matches(pass)
}
