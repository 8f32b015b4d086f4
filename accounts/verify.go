package accounts

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// Verify returns the account whose credentials these are, or
// ErrWrongPassword. A recent success is remembered for a few minutes so
// that scripts sending HTTP Basic on every request do not pay bcrypt each
// time; an unknown user costs a bcrypt comparison all the same, so the
// time taken does not tell which usernames exist.
func (s *Store) Verify(ctx context.Context, username, password string) (Account, error) {
	if ValidUsername(username) != nil {
		s.burn(password)
		return Account{}, ErrUnknownUser
	}
	a, hash, err := s.byName(ctx, username)
	if errors.Is(err, ErrNotFound) {
		if a, ok, err := s.migrateLegacy(ctx, username, password); ok || err != nil {
			return a, err
		}
		s.burn(password)
		return Account{}, ErrUnknownUser
	}
	if err != nil {
		return Account{}, fmt.Errorf("verify %q: %w", username, err)
	}
	key := cacheKey(username, password)
	now := s.now()
	if s.cache.get(key, a, hash, now) {
		return a, nil
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return Account{}, ErrWrongPassword
	}
	s.cache.put(key, a, hash, now)
	return a, nil
}

// byName returns the account named username (without case) and its hash.
func (s *Store) byName(ctx context.Context, username string) (Account, string, error) {
	var hash string
	a, err := scanAccount(s.db.DB.QueryRowContext(ctx,
		"SELECT "+accountColumns+", password_hash FROM accounts WHERE username = ?", username), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, "", fmt.Errorf("account %q: %w", username, ErrNotFound)
	}
	if err != nil {
		return Account{}, "", fmt.Errorf("account %q: %w", username, err)
	}
	return a, hash, nil
}

// migrateLegacy makes the first admin from credentials that only Legacy
// can check, while no account exists. ok reports that it did.
func (s *Store) migrateLegacy(ctx context.Context, username, password string) (Account, bool, error) {
	if s.Legacy == nil || !s.Legacy(username, password) {
		return Account{}, false, nil
	}
	if n, err := s.Count(ctx); err != nil || n > 0 {
		return Account{}, false, err // accounts exist: they alone decide
	}
	a, err := s.create(ctx, username, password, RoleAdmin, true)
	if errors.Is(err, ErrExists) {
		return Account{}, false, nil // another request made an account meanwhile
	}
	if err != nil {
		return Account{}, false, err
	}
	return a, true, nil
}

// burn spends the time a real comparison would.
func (s *Store) burn(password string) {
	s.dummyOnce.Do(func() {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		s.dummy, _ = bcrypt.GenerateFromPassword(b, s.cost())
	})
	_ = bcrypt.CompareHashAndPassword(s.dummy, []byte(password))
}

// EnsureAdmin makes username an admin with password, creating the
// account or resetting its password and role as needed: the configured
// (or just generated) admin password works at every start, so an operator
// can always get back in. It reports whether the account was created.
// The API's length rule does not apply: the operator chose this password.
func (s *Store) EnsureAdmin(ctx context.Context, username, password string) (Account, bool, error) {
	if password == "" {
		return Account{}, false, invalid("the admin password is empty")
	}
	if len(password) > maxPassword {
		return Account{}, false, invalid(fmt.Sprintf("the admin password must have at most %d bytes", maxPassword))
	}
	a, hash, err := s.byName(ctx, username)
	if errors.Is(err, ErrNotFound) {
		a, err := s.create(ctx, username, password, RoleAdmin, false)
		return a, err == nil, err
	}
	if err != nil {
		return Account{}, false, err
	}
	same := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	if same && a.Role == RoleAdmin {
		return a, false, nil
	}
	newHash := ""
	if !same {
		if newHash, err = s.hash(password); err != nil {
			return Account{}, false, err
		}
	}
	admin := RoleAdmin
	a, err = s.update(ctx, a.ID, newHash, &admin)
	return a, false, err
}
