package config

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every *Error, so errors.Is(err, ErrInvalid) tells
// a bad configuration from a file that could not be read.
var ErrInvalid = errors.New("invalid configuration")

// Error is one problem with a configuration. Load and Validate return one or
// more of them joined with errors.Join; errors.As finds the first.
type Error struct {
	// File is the config file's path as given to Load; "" when the
	// configuration did not come from a file.
	File string
	// Line is the 1-based line of the offending key or value; 0 if unknown.
	Line int
	// Path locates the setting, e.g. "stations[0].bitrate"; "" for problems
	// with the file as a whole.
	Path string
	// Msg describes the problem and quotes the key, e.g.
	// "'bitrate' must be one of 32, 40, ...".
	Msg string
}

// Error returns "file:line: msg", "file: msg" or "msg", as much as is known.
func (e *Error) Error() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	case e.File != "":
		return e.File + ": " + e.Msg
	default:
		return e.Msg
	}
}

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// issue is a validation finding before it is located in a file: the setting's
// path, the message text that follows the quoted key, and other settings to
// point at when the file does not give this one (e.g. a default that clashes
// with something the file sets).
type issue struct {
	path string
	text string
	alt  []string
}

// render turns an issue into an *Error. With lines (from Load) it uses the
// line of the path, else of an alternative, else of the path's nearest
// ancestor found in the file, and quotes
// only the key's own name, since the line says where it is; without a line it
// quotes the whole path so the reader can still find it.
func (is issue) render(file string, lines map[string]int) *Error {
	line := lines[is.path]
	for _, p := range is.alt {
		if line == 0 {
			line = lines[p]
		}
	}
	for p := is.path; line == 0 && p != ""; p = parentPath(p) {
		line = lines[p]
	}
	name := is.path
	if line > 0 {
		name = leafName(is.path)
	}
	return &Error{File: file, Line: line, Path: is.path, Msg: fmt.Sprintf("'%s' %s", name, is.text)}
}

// parentPath strips the last ".key" or "[i]" from a path.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// leafName is the last key named in a path: "stations[0].mixer.bg_level"
// gives "bg_level", "trusted_proxies[2]" gives "trusted_proxies".
func leafName(p string) string {
	for strings.HasSuffix(p, "]") {
		p = p[:strings.LastIndex(p, "[")]
	}
	if i := strings.LastIndex(p, "."); i >= 0 {
		return p[i+1:]
	}
	return p
}

// joinErrors joins errs with errors.Join, returning nil for none.
func joinErrors(errs []*Error) error {
	if len(errs) == 0 {
		return nil
	}
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}
