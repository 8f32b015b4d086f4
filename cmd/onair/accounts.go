package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"onair/accounts"
	"onair/config"
	"onair/credentials"
	"onair/store"
)

// authCheckTimeout bounds one credentials check against the store.
const authCheckTimeout = 5 * time.Second

// authenticator is what the broadcast server checks credentials with:
// the source password of the credentials file, and the accounts. A DJ or
// admin account is also a source login (Icecast Basic user and password,
// or SHOUTcast "dj:password"); only admin accounts pass Icecast's /admin.
type authenticator struct {
	creds     *credentials.Store
	adminUser string
	// firstAdminPassword is the admin's password in clear when this start
	// knows it (configured or just generated), else "".
	firstAdminPassword string
	// accounts is set by openAccounts before the server starts serving.
	accounts *accounts.Store
}

func newAuthenticator(cfg config.Config, creds *credentials.Store, gen credentials.Generated) *authenticator {
	pw := cfg.AdminPassword
	if pw == "" {
		pw = gen.Admin
	}
	return &authenticator{creds: creds, adminUser: cfg.AdminUser, firstAdminPassword: pw}
}

// SourceOK accepts the source password with any user, as before accounts,
// or an account's own username and password.
func (a *authenticator) SourceOK(mount, user, pass string) bool {
	if a.creds.SourceOK(mount, user, pass) {
		return true
	}
	if user == "" || a.accounts == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), authCheckTimeout)
	defer cancel()
	_, err := a.accounts.Verify(ctx, user, pass)
	return err == nil
}

// AdminOK accepts an admin account; user "" (SHOUTcast's admin.cgi) means
// the configured admin user.
func (a *authenticator) AdminOK(user, pass string) bool {
	if a.accounts == nil {
		return a.creds.AdminOK(user, pass)
	}
	if user == "" {
		user = a.adminUser
	}
	ctx, cancel := context.WithTimeout(context.Background(), authCheckTimeout)
	defer cancel()
	acc, err := a.accounts.Verify(ctx, user, pass)
	return err == nil && acc.Role == accounts.RoleAdmin
}

// openAccounts opens the accounts in db and makes sure the first admin
// exists: from the admin password when this start knows it in clear;
// else, while no account exists, the credentials file's admin check
// stands in, and the first login it accepts creates the bcrypt account.
func openAccounts(ctx context.Context, db *store.Store, auth *authenticator, logger *slog.Logger) (*accounts.Store, error) {
	st := accounts.New(db)
	st.Legacy = func(user, pass string) bool { return user != "" && auth.creds.AdminOK(user, pass) }
	if auth.firstAdminPassword != "" {
		acc, created, err := st.EnsureAdmin(ctx, auth.adminUser, auth.firstAdminPassword)
		if err != nil {
			return nil, fmt.Errorf("admin account %q (admin_user, admin_password): %w", auth.adminUser, err)
		}
		if created {
			logger.Info("admin account created", "component", "accounts", "user", acc.Username)
		}
	}
	auth.accounts = st
	return st, nil
}
