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
	ErrWrongPassword = errors.New("wrong username or password")
	// ErrNoSession is a session token that is unknown or expired.
	ErrNoSession = errors.New("no such session")
)

// invalid is an ErrInvalid with a message for the user.
type invalid string

func (e invalid) Error() string        { return string(e) }
func (e invalid) Is(target error) bool { return target == ErrInvalid }
