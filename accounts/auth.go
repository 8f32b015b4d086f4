package accounts

import (
	"context"
	"errors"
	"time"
)

// checkTimeout bounds one credentials check against the store.
const checkTimeout = 5 * time.Second

// Authenticator holds the rules of who may push a stream and who may use
// Icecast's admin pages: the shared source password with any user name,
// or an account's own username and password, is a source login (Icecast
// Basic auth, SHOUTcast "dj:password"); only an admin account passes the
// admin pages. A refusal says why (ErrUnknownUser, ErrWrongPassword,
// ErrNotAdmin, or the store's error); the broadcast server logs and counts
// it.
type Authenticator struct {
	accounts  *Store
	source    *SourcePassword
	adminUser string
}

// NewAuthenticator checks against accts and source; adminUser is who a
// password given without a user name (SHOUTcast's admin.cgi) is for.
func NewAuthenticator(accts *Store, source *SourcePassword, adminUser string) *Authenticator {
	return &Authenticator{accounts: accts, source: source, adminUser: adminUser}
}

// SourceOK accepts the source password with any user, or an account's
// own username and password.
func (a *Authenticator) SourceOK(ctx context.Context, mount, user, pass string) error {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	err := a.source.Check(ctx, pass)
	if err == nil || user == "" {
		return err
	}
	_, accErr := a.accounts.Verify(ctx, user, pass)
	if accErr == nil {
		return nil
	}
	if errors.Is(accErr, ErrUnknownUser) {
		// "source" or a DJ name that is no account: the shared password
		// was what it tried.
		return err
	}
	return accErr
}

// AdminOK accepts an admin account; user "" means the configured admin
// user.
func (a *Authenticator) AdminOK(ctx context.Context, user, pass string) error {
	if user == "" {
		user = a.adminUser
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	acc, err := a.accounts.Verify(ctx, user, pass)
	if err != nil {
		return err
	}
	if acc.Role != RoleAdmin {
		return ErrNotAdmin
	}
	return nil
}
