package icy

import "errors"

// Errors returned by [Parse].
var (
	// ErrShortBlock means the block is empty or shorter than its length byte says.
	ErrShortBlock = errors.New("icy: block shorter than its length byte")
	// ErrNoTitle means the block holds no StreamTitle field, as a lone 0x00
	// block ("title unchanged") does not.
	ErrNoTitle = errors.New("icy: no StreamTitle in block")
	// ErrUnterminated means a field is not closed by "';".
	ErrUnterminated = errors.New("icy: field not terminated by ';")
)
