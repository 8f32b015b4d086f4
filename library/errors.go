package library

import (
	"errors"
	"fmt"
)

// Errors the library returns; the API maps them to statuses.
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid")   // a request that breaks a rule: says which
	ErrTooLarge = errors.New("too large") // an upload over the size limit
)

// kindError is a message that matches a kind (errors.Is) without saying
// the kind's own word: the message alone is what the user reads.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// invalidf is an ErrInvalid error with the given message.
func invalidf(format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: ErrInvalid}
}
