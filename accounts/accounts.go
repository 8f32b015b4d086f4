// Package accounts keeps the people who run the station: admins and DJs,
// their bcrypt-hashed passwords, their console sessions, and the
// throttle that slows down guessing. It lives in the store's accounts and
// sessions tables.
package accounts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"onair/store"
)

// Role is what an account may do.
type Role string

// The roles. A DJ runs the mixer, the library and the playlists; an admin
// also manages accounts and the server's settings.
const (
	RoleAdmin Role = "admin"
	RoleDJ    Role = "dj"
)

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleDJ }

// Account is an admin or a DJ. It never carries the password's hash.
type Account struct {
	ID        int64     `json:"id"`
	Username  string    `json:"username"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Changes are the fields an update sets; nil ones stay as they are.
type Changes struct {
	Password *string `json:"password"`
	Role     *Role   `json:"role"`
}

// Password rules: bcrypt reads at most 72 bytes, and a longer password
// would be silently cut.
const (
	MinPassword = 8
	maxPassword = 72
	maxUsername = 64
)

// Store keeps accounts and sessions. Set its fields before first use.
type Store struct {
	// Cost is bcrypt's work factor for new hashes; 0 is bcrypt.DefaultCost.
	Cost int
	// Now is the clock; nil is time.Now. Tests move it.
	Now func() time.Time
	// Legacy, when set, checks the admin credentials kept before accounts
	// existed (only their hash is known). While no account exists, a user
	// it accepts becomes the first admin, with a bcrypt hash of the
	// password just given.
	Legacy func(user, pass string) bool

	db        *store.Store
	cache     *verifiedCache
	dummyOnce sync.Once
	dummy     []byte
}

// New returns the accounts kept in db.
func New(db *store.Store) *Store {
	return &Store{db: db, cache: newVerifiedCache()}
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) cost() int {
	if s.Cost == 0 {
		return bcrypt.DefaultCost
	}
	return s.Cost
}

// ValidUsername checks the username rule: 1 to 64 letters, digits, '.',
// '_' or '-' (ASCII, so that names compare without case on every system).
func ValidUsername(name string) error {
	if name == "" || len(name) > maxUsername {
		return invalid(fmt.Sprintf("username must be 1 to %d characters", maxUsername))
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return invalid(fmt.Sprintf("username %q: only letters, digits, '.', '_' and '-' are allowed", name))
		}
	}
	return nil
}

// ValidPassword checks the password rule for passwords set from the API.
func ValidPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPassword {
		return invalid(fmt.Sprintf("password must have at least %d characters", MinPassword))
	}
	if len(pw) > maxPassword {
		return invalid(fmt.Sprintf("password must have at most %d bytes", maxPassword))
	}
	return nil
}

func (s *Store) hash(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.cost())
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

const accountColumns = "id, username, role, created_at, updated_at"

func scanAccount(row interface{ Scan(...any) error }, extra ...any) (Account, error) {
	var a Account
	var created, updated int64
	err := row.Scan(append([]any{&a.ID, &a.Username, &a.Role, &created, &updated}, extra...)...)
	a.CreatedAt, a.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return a, err
}

// List returns every account by username; never nil.
func (s *Store) List(ctx context.Context) ([]Account, error) {
	rows, err := s.db.DB.QueryContext(ctx, "SELECT "+accountColumns+" FROM accounts ORDER BY username")
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	out := []Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// Get returns the account with id.
func (s *Store) Get(ctx context.Context, id int64) (Account, error) {
	return getAccount(ctx, s.db.DB, id)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getAccount(ctx context.Context, q querier, id int64) (Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, "SELECT "+accountColumns+" FROM accounts WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("account %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("account %d: %w", id, err)
	}
	return a, nil
}

// Count returns how many accounts there are.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.DB.QueryRowContext(ctx, "SELECT count(*) FROM accounts").Scan(&n); err != nil {
		return 0, fmt.Errorf("count accounts: %w", err)
	}
	return n, nil
}

// Create adds an account after checking the username and password rules.
func (s *Store) Create(ctx context.Context, username, password string, role Role) (Account, error) {
	if err := ValidPassword(password); err != nil {
		return Account{}, err
	}
	return s.create(ctx, username, password, role, false)
}

// create adds an account; with first it checks, in the same transaction,
// that no account exists yet (else ErrExists), so that two first logins
// cannot both make an admin.
func (s *Store) create(ctx context.Context, username, password string, role Role, first bool) (Account, error) {
	if err := ValidUsername(username); err != nil {
		return Account{}, err
	}
	if !role.Valid() {
		return Account{}, invalid(fmt.Sprintf("role %q: want %q or %q", role, RoleAdmin, RoleDJ))
	}
	h, err := s.hash(password) // slow: outside the write transaction
	if err != nil {
		return Account{}, err
	}
	now := s.now().Unix()
	var id int64
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if first {
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM accounts").Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return ErrExists
			}
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM accounts WHERE username = ?", username).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrExists
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO accounts (username, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
			username, h, string(role), now, now)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("create account %q: %w", username, err)
	}
	return s.Get(ctx, id)
}

// Update changes an account's password or role. Demoting the last admin
// is refused.
func (s *Store) Update(ctx context.Context, id int64, c Changes) (Account, error) {
	if c.Role != nil && !c.Role.Valid() {
		return Account{}, invalid(fmt.Sprintf("role %q: want %q or %q", *c.Role, RoleAdmin, RoleDJ))
	}
	var h string
	if c.Password != nil {
		if err := ValidPassword(*c.Password); err != nil {
			return Account{}, err
		}
		var err error
		if h, err = s.hash(*c.Password); err != nil {
			return Account{}, err
		}
	}
	return s.update(ctx, id, h, c.Role)
}

// update sets the hash (when not "") and the role (when not nil).
func (s *Store) update(ctx context.Context, id int64, hash string, role *Role) (Account, error) {
	defer s.cache.dropAccount(id)
	var out Account
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := getAccount(ctx, tx, id)
		if err != nil {
			return err
		}
		if role != nil && *role != RoleAdmin && cur.Role == RoleAdmin {
			if err := lastAdminCheck(ctx, tx); err != nil {
				return err
			}
		}
		newRole := cur.Role
		if role != nil {
			newRole = *role
		}
		q := "UPDATE accounts SET role = ?, updated_at = ? WHERE id = ?"
		args := []any{string(newRole), s.now().Unix(), id}
		if hash != "" {
			q = "UPDATE accounts SET role = ?, updated_at = ?, password_hash = ? WHERE id = ?"
			args = []any{string(newRole), s.now().Unix(), hash, id}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		out, err = getAccount(ctx, tx, id)
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("update account %d: %w", id, err)
	}
	return out, nil
}

// Delete removes an account and its sessions. Deleting the last admin is
// refused.
func (s *Store) Delete(ctx context.Context, id int64) error {
	defer s.cache.dropAccount(id)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := getAccount(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Role == RoleAdmin {
			if err := lastAdminCheck(ctx, tx); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM accounts WHERE id = ?", id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete account %d: %w", id, err)
	}
	return nil
}

// lastAdminCheck answers ErrLastAdmin when one admin is left, inside the
// transaction that would remove it, so two requests cannot both pass.
func lastAdminCheck(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM accounts WHERE role = 'admin'").Scan(&n); err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastAdmin
	}
	return nil
}

// SetPassword gives the account named username a new password (the API's
// rule applies) and ends every session of it, as a change through the
// API does: whoever knew the old password is logged out. It is the
// command line's way back in for an admin who forgot the password.
func (s *Store) SetPassword(ctx context.Context, username, password string) (Account, error) {
	a, _, err := s.byName(ctx, username)
	if err != nil {
		return Account{}, err
	}
	if a, err = s.Update(ctx, a.ID, Changes{Password: &password}); err != nil {
		return Account{}, err
	}
	if _, err := s.EndSessions(ctx, a.ID, ""); err != nil {
		return Account{}, err
	}
	return a, nil
}
