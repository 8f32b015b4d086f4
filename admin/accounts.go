package admin

import (
	"errors"
	"fmt"
	"net/http"

	"onair/accounts"
)

// ErrConflict is a request that clashes with what exists (a username
// already taken); it answers 409.
var ErrConflict = errors.New("conflict")

// newAccount is the body of POST /api/accounts; the role defaults to dj.
type newAccount struct {
	Username string        `json:"username"`
	Password string        `json:"password"`
	Role     accounts.Role `json:"role"`
}

// accountErr gives the accounts store's errors their status and a
// message for the user.
func accountErr(err error) error {
	switch {
	case errors.Is(err, accounts.ErrNotFound):
		return apiErr(ErrNotFound, "no such account")
	case errors.Is(err, accounts.ErrInvalid):
		return apiErr(ErrBadRequest, err.Error())
	case errors.Is(err, accounts.ErrLastAdmin):
		return apiErr(ErrBadRequest, accounts.ErrLastAdmin.Error())
	case errors.Is(err, accounts.ErrExists):
		return apiErr(ErrConflict, "username taken")
	}
	return err
}

// accountsStore is the accounts, or the error to answer without them.
func (a *API) accountsStore() (*accounts.Store, error) {
	if a.deps.Auth.Accounts == nil {
		return nil, apiErr(ErrNotFound, "accounts are not set up")
	}
	return a.deps.Auth.Accounts, nil
}

// actor names who made a request, for the log.
func actor(r *http.Request) string {
	id, _ := IdentityFrom(r.Context())
	return id.Username
}

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) error {
	st, err := a.accountsStore()
	if err != nil {
		return err
	}
	list, err := st.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (a *API) createAccount(w http.ResponseWriter, r *http.Request) error {
	st, err := a.accountsStore()
	if err != nil {
		return err
	}
	var req newAccount
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	if req.Role == "" {
		req.Role = accounts.RoleDJ
	}
	acc, err := st.Create(r.Context(), req.Username, req.Password, req.Role)
	if err != nil {
		return accountErr(err)
	}
	a.log.Info("account created", "component", "admin", "by", actor(r), "user", acc.Username, "role", acc.Role)
	writeJSON(w, http.StatusCreated, acc)
	return nil
}

func (a *API) patchAccount(w http.ResponseWriter, r *http.Request) error {
	st, err := a.accountsStore()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var c accounts.Changes
	if err := readJSON(w, r, &c); err != nil {
		return err
	}
	if c.Password == nil && c.Role == nil {
		return apiErr(ErrBadRequest, `nothing to change: send "password" or "role"`)
	}
	acc, err := st.Update(r.Context(), id, c)
	if err != nil {
		return accountErr(err)
	}
	if c.Password != nil {
		// The request's own session stays; every other one of the
		// account ends, so an old password leaves no way in.
		keep := ""
		if ck, err := r.Cookie(sessionCookie); err == nil {
			keep = ck.Value
		}
		if _, err := st.EndSessions(r.Context(), id, keep); err != nil {
			return err
		}
	}
	a.log.Info("account changed", "component", "admin", "by", actor(r), "user", acc.Username, "role", acc.Role,
		"password_changed", c.Password != nil)
	writeJSON(w, http.StatusOK, acc)
	return nil
}

func (a *API) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	st, err := a.accountsStore()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := st.Delete(r.Context(), id); err != nil {
		return accountErr(err)
	}
	a.log.Info("account deleted", "component", "admin", "by", actor(r), "id", fmt.Sprint(id))
	writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	return nil
}
