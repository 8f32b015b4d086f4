//go:build linux && (386 || amd64 || arm || arm64 || loong64 || riscv64)

package dynlib

import (
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// libc is on every Linux machine the tests run on.
const libc = "libc.so.6"

func TestLoadBindsAndCalls(t *testing.T) {
	var abs func(int32) int32
	var strlen uintptr
	lib, err := Load(libc, func(l *Lib) (err error) {
		if err := l.Funcs(Fn{&abs, "abs"}); err != nil {
			return err
		}
		strlen, err = l.Sym("strlen")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if lib.Name() != libc {
		t.Errorf("Name() = %q", lib.Name())
	}
	if got := abs(-7); got != 7 {
		t.Errorf("abs(-7) = %d", got)
	}
	s := []byte("onair\x00")
	var args [1]uintptr
	allocs := testing.AllocsPerRun(100, func() {
		a := append(args[:0], uintptr(unsafe.Pointer(&s[0])))
		if n := Call(strlen, a...); n != 5 {
			t.Fatalf("strlen = %d, want 5", n)
		}
		runtime.KeepAlive(s)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per Call, want 0", allocs)
	}
}

func TestLoadFailures(t *testing.T) {
	cases := []struct {
		name, lib string
		bind      func(*Lib) error
		want      string
	}{
		{"missing library", "libonair-missing.so.1", func(*Lib) error { return nil }, "libonair-missing.so.1 not found"},
		{"missing symbol", libc, func(l *Lib) error {
			var f func()
			return l.Func(&f, "onair_missing")
		}, "libc.so.6 lacks onair_missing"},
		{"uncallable type", libc, func(l *Lib) error {
			var f func(chan int)
			return l.Func(&f, "abs")
		}, "libc.so.6 could not be used"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lib, err := Load(c.lib, c.bind)
			if lib != nil || err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("Load = %v, %v; want an error starting %q", lib, err, c.want)
			}
		})
	}
}
