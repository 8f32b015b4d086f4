// Package testenv holds what OnAir's tests share: finding third-party
// programs (skipped locally, required in CI), free loopback ports,
// certificates, bounded waits and the browser scripts in e2e/.
package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
)

// RequireTool returns the path of a program the test needs. When it is
// missing the test is skipped with a hint, except in CI (CI set), where
// .ci/run installs everything and a missing tool is a failure.
func RequireTool(t testing.TB, name, aptPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found in CI: .ci/run must install it (apt-get install %s)", name, aptPackage)
	}
	t.Skipf("%s not found: install it to run this test (apt-get install %s)", name, aptPackage)
	return ""
}

// RequireFile is RequireTool for a file or folder a package installs
// outside PATH, such as a cross C library: it returns path when it exists,
// and otherwise skips the test, or fails it in CI.
func RequireFile(t testing.TB, path, aptPackage string) string {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s not found in CI: .ci/run must install it (apt-get install %s)", path, aptPackage)
	}
	t.Skipf("%s not found: install it to run this test (apt-get install %s)", path, aptPackage)
	return ""
}

// AdjacentListeners returns two loopback listeners on ports p and p+1, as
// the SHOUTcast convention wants (liquidsoap and libshout insist on
// port+1). It retries when another process holds p+1.
func AdjacentListeners(t testing.TB) (net.Listener, net.Listener) {
	t.Helper()
	for range 100 {
		a, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		port := a.Addr().(*net.TCPAddr).Port
		if port == 65535 {
			a.Close()
			continue
		}
		b, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+1))
		if err != nil {
			a.Close()
			continue
		}
		return a, b
	}
	t.Fatal("no free pair of adjacent loopback ports after 100 tries")
	return nil, nil
}

// AdjacentPorts returns a free pair of adjacent ports p, p+1 for a program
// that binds them itself. Another process could take them before it does;
// callers retry on a bind failure.
func AdjacentPorts(t testing.TB) (int, int) {
	t.Helper()
	a, b := AdjacentListeners(t)
	p := a.Addr().(*net.TCPAddr).Port
	a.Close()
	b.Close()
	return p, p + 1
}
