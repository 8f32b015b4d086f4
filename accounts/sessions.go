package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Session lifetimes: a session lasts SessionTTL after its last use, and
// its expiry moves forward at most once every sessionRefresh, so that a
// busy console does not write to the store on every request.
const (
	SessionTTL     = 12 * time.Hour
	sessionRefresh = time.Minute
	tokenBytes     = 32
)

// Session is a console login. Token is the secret the browser keeps in
// its cookie; only its SHA-256 is stored.
type Session struct {
	Account   Account
	Token     string
	CSRF      string
	ExpiresAt time.Time
	// Refreshed reports that this lookup moved the expiry forward, so the
	// cookie should be sent again with the new lifetime.
	Refreshed bool
}

func newToken() string {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// CreateSession starts a session for the account, with a fresh token and
// CSRF token. Expired sessions are swept out on the way.
func (s *Store) CreateSession(ctx context.Context, accountID int64) (Session, error) {
	a, err := s.Get(ctx, accountID)
	if err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	now := s.now()
	sess := Session{Account: a, Token: newToken(), CSRF: newToken(), ExpiresAt: now.Add(SessionTTL).Truncate(time.Second)}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", now.Unix()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			tokenHash(sess.Token), accountID, sess.CSRF, now.Unix(), sess.ExpiresAt.Unix())
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("create session for %q: %w", a.Username, err)
	}
	return sess, nil
}

// Session returns the live session of token, moving its expiry forward
// when a minute has passed since it last did. An unknown or expired token
// is ErrNoSession.
func (s *Store) Session(ctx context.Context, token string) (Session, error) {
	if base64.RawURLEncoding.DecodedLen(len(token)) != tokenBytes {
		return Session{}, ErrNoSession
	}
	th := tokenHash(token)
	var sess Session
	var expires int64
	a, err := scanAccount(s.db.DB.QueryRowContext(ctx, `SELECT a.id, a.username, a.role, a.created_at, a.updated_at, s.csrf, s.expires_at
		FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?`, th), &sess.CSRF, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", err)
	}
	sess.Account, sess.Token, sess.ExpiresAt = a, token, time.Unix(expires, 0)
	now := s.now()
	if !now.Before(sess.ExpiresAt) {
		if _, err := s.db.DB.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", th); err != nil {
			return Session{}, fmt.Errorf("delete expired session: %w", err)
		}
		return Session{}, ErrNoSession
	}
	// The expiry was last set to (then + SessionTTL).
	if !now.Before(sess.ExpiresAt.Add(-SessionTTL + sessionRefresh)) {
		next := now.Add(SessionTTL).Truncate(time.Second)
		if _, err := s.db.DB.ExecContext(ctx, "UPDATE sessions SET expires_at = ? WHERE token_hash = ?", next.Unix(), th); err != nil {
			return Session{}, fmt.Errorf("refresh session: %w", err)
		}
		sess.ExpiresAt, sess.Refreshed = next, true
	}
	return sess, nil
}

// DeleteSession ends the session of token (logging out); an unknown
// token is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	if _, err := s.db.DB.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", tokenHash(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// EndSessions ends every session of the account but the one of keep (""
// ends them all): after a password change, whoever knew the old password
// is logged out everywhere else.
func (s *Store) EndSessions(ctx context.Context, accountID int64, keep string) (int64, error) {
	res, err := s.db.DB.ExecContext(ctx, "DELETE FROM sessions WHERE account_id = ? AND token_hash != ?", accountID, tokenHash(keep))
	if err != nil {
		return 0, fmt.Errorf("end sessions of account %d: %w", accountID, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
