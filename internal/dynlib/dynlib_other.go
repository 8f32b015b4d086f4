//go:build !(linux && (386 || amd64 || arm || arm64 || loong64 || riscv64))

package dynlib

import (
	"fmt"
	"runtime"
)

// Supported tells whether this build can load libraries at all.
const Supported = false

// Lib is an open library; this build never opens one.
type Lib struct{}

// Load always fails: libraries are loaded only on Linux, where purego
// calls C without cgo.
func Load(name string, _ func(*Lib) error) (*Lib, error) {
	return nil, fmt.Errorf("%s: loading libraries is not supported on %s/%s", name, runtime.GOOS, runtime.GOARCH)
}

// Name returns "".
func (*Lib) Name() string { return "" }

// Sym always fails.
func (*Lib) Sym(symbol string) (uintptr, error) {
	return 0, fmt.Errorf("no %s: no library loaded", symbol)
}

// Func always fails.
func (l *Lib) Func(_ any, symbol string) error { _, err := l.Sym(symbol); return err }

// Funcs always fails.
func (l *Lib) Funcs(fns ...Fn) error {
	for _, f := range fns {
		return l.Func(f.Ptr, f.Symbol)
	}
	return nil
}

// Call is never reached: no library loads.
func Call(uintptr, ...uintptr) uintptr { panic("dynlib: no library on " + runtime.GOOS) }
