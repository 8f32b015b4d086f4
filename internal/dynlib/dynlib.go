//go:build linux && (386 || amd64 || arm || arm64 || loong64 || riscv64)

package dynlib

import (
	"fmt"
	"strings"

	"github.com/ebitengine/purego"
)

// Supported tells whether this build can load libraries at all.
const Supported = true

// Lib is an open library.
type Lib struct {
	name   string
	handle uintptr
}

// Load opens the library name (a soname such as "libopus.so.0") and
// calls bind to look up what the caller uses. When bind fails, or purego
// panics on a function it cannot call on this platform, the library is
// closed and the error returned: a library that cannot be used, not a
// crash. Errors start with the library's name: "NAME not found", "NAME
// could not be loaded: …", "NAME lacks SYMBOL: …".
func Load(name string, bind func(*Lib) error) (lib *Lib, err error) {
	handle, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		if strings.Contains(err.Error(), "No such file") {
			return nil, fmt.Errorf("%s not found", name)
		}
		return nil, fmt.Errorf("%s could not be loaded: %v", name, err)
	}
	lib = &Lib{name: name, handle: handle}
	defer func() {
		if r := recover(); r != nil {
			lib, err = nil, fmt.Errorf("%s could not be used: %v", name, r)
		}
		if err != nil {
			_ = purego.Dlclose(handle) // err says what went wrong already
		}
	}()
	if err := bind(lib); err != nil {
		return nil, err
	}
	return lib, nil
}

// Name returns the name the library was loaded by.
func (l *Lib) Name() string { return l.name }

// Sym returns the address of symbol, for Call.
func (l *Lib) Sym(symbol string) (uintptr, error) {
	sym, err := purego.Dlsym(l.handle, symbol)
	if err != nil {
		return 0, fmt.Errorf("%s lacks %s: %v", l.name, symbol, err)
	}
	return sym, nil
}

// Func binds *fn, a pointer to a variable of a func type, to symbol. A
// bound function allocates on every call (purego builds it on
// reflect.MakeFunc): use it for what is called once per session, and Call
// for what is called per block. It panics, as purego does, on a func type
// it cannot call; Load turns that into an error.
func (l *Lib) Func(fn any, symbol string) error {
	sym, err := l.Sym(symbol)
	if err != nil {
		return err
	}
	purego.RegisterFunc(fn, sym)
	return nil
}

// Funcs binds each pair of fns in turn: a pointer to a func variable and
// its symbol. It stops at the first error.
func (l *Lib) Funcs(fns ...Fn) error {
	for _, f := range fns {
		if err := l.Func(f.Ptr, f.Symbol); err != nil {
			return err
		}
	}
	return nil
}

// Call calls the C function at fn with args, each an integer or a
// pointer, and returns its integer or pointer result. It does not
// allocate when args is a slice of an array the caller keeps (a fresh
// variadic list would escape to the heap); the caller keeps alive what
// the pointers point into until Call returns (runtime.KeepAlive).
func Call(fn uintptr, args ...uintptr) uintptr {
	r, _, _ := purego.SyscallN(fn, args...)
	return r
}
