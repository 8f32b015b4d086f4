package accounts

import "errors"

// Errors the accounts store returns, wrapped with context.
var (
	ErrNotFound = errors.New("no such account")
	// ErrInvalid marks a username, password or role that breaks the rules;
	// the error's message says which rule.
	ErrInvalid = errors.New("invalid account")
	ErrExists  = errors.New("username taken")
	// ErrLastAdmin refuses to delete or demote the only admin, who would
	// leave nobody able to manage accounts.
	ErrLastAdmin = errors.New("the last admin cannot be deleted or made a DJ")
	// ErrWrongPassword is the one answer for an unknown user and a wrong
	// password alike, so that it does not tell which usernames exist.
	ErrWrongPassword error = &refusal{msg: "wrong username or password", reason: "wrong_password"}
	// ErrUnknownUser is ErrWrongPassword (errors.Is says so, and its
	// message is the same) for a username no account has: the client
	// cannot tell them apart, the server's log and metrics can.
	ErrUnknownUser error = &refusal{msg: "wrong username or password", reason: "unknown_user", is: ErrWrongPassword}
	// ErrNotAdmin refuses an account's right credentials where only an
	// admin may pass.
	ErrNotAdmin error = &refusal{msg: "not an admin", reason: "not_admin"}
	// ErrNoSession is a session token that is unknown or expired.
	ErrNoSession = errors.New("no such session")
)

// refusal is a login refused, with its reason in a word (Reason) for the
// log and /metrics.
type refusal struct {
	msg, reason string
	is          error // also this error, for errors.Is
}

func (r *refusal) Error() string        { return r.msg }
func (r *refusal) Reason() string       { return r.reason }
func (r *refusal) Is(target error) bool { return r.is != nil && target == r.is }

// invalid is an ErrInvalid with a message for the user.
type invalid string

func (e invalid) Error() string        { return string(e) }
func (e invalid) Is(target error) bool { return target == ErrInvalid }
