package mixer

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
)

// Problem is one thing wrong with a station's music: a file that would not
// play, a folder that cannot be read, nothing to play at all.
type Problem struct {
	Path    string    `json:"path,omitempty"`
	Message string    `json:"message"`
	At      time.Time `json:"at"`
}

// maxProblems bounds the list; the newest are kept.
const maxProblems = 20

// Problems is a station's recent problems. Adding copies the list and
// swaps it in, so readers (web requests) never hold up the audio loop;
// problems are rare, so the copies are cheap.
type Problems struct {
	list atomic.Pointer[[]Problem]
}

// Add records err about path ("" = the station as a whole). A problem
// already listed for the same path and message is moved to the front
// instead of repeated.
func (p *Problems) Add(path string, err error) {
	if p == nil {
		return
	}
	pr := Problem{Path: path, Message: err.Error(), At: time.Now()}
	for {
		old := p.list.Load()
		var cur []Problem
		if old != nil {
			cur = *old
		}
		next := make([]Problem, 0, min(len(cur)+1, maxProblems))
		next = append(next, pr)
		for _, q := range cur {
			if len(next) == maxProblems {
				break
			}
			if q.Path != pr.Path || q.Message != pr.Message {
				next = append(next, q)
			}
		}
		if p.list.CompareAndSwap(old, &next) {
			return
		}
	}
}

// Clear forgets the problems about path ("" = the station's own).
func (p *Problems) Clear(path string) {
	if p == nil {
		return
	}
	for {
		old := p.list.Load()
		if old == nil {
			return
		}
		next := make([]Problem, 0, len(*old))
		for _, q := range *old {
			if q.Path != path {
				next = append(next, q)
			}
		}
		if len(next) == len(*old) || p.list.CompareAndSwap(old, &next) {
			return
		}
	}
}

// List returns the problems, newest first; never nil.
func (p *Problems) List() []Problem {
	if p == nil {
		return []Problem{}
	}
	if l := p.list.Load(); l != nil {
		return append([]Problem(nil), *l...)
	}
	return []Problem{}
}

// Strings returns the problems as "path: message" lines.
func (p *Problems) Strings() []string {
	out := []string{}
	for _, q := range p.List() {
		if q.Path == "" || strings.Contains(q.Message, q.Path) {
			out = append(out, q.Message)
		} else {
			out = append(out, fmt.Sprintf("%s: %s", q.Path, q.Message))
		}
	}
	return out
}
