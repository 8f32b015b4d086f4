package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// E2EDir returns the repository's e2e/ folder (root is the path from the
// test's package to the repository) with its node_modules, running
// "npm ci" there first when they are missing (a fresh clone). It skips or
// fails, as RequireTool does, when node, npm or chromium are missing.
func E2EDir(t testing.TB, root string) (dir, node string) {
	t.Helper()
	node = RequireTool(t, "node", "nodejs")
	RequireTool(t, "chromium", "chromium")
	dir, err := filepath.Abs(filepath.Join(root, "e2e"))
	if err != nil {
		t.Fatal(err)
	}
	// Every package the scripts use: a checkout that gained one since
	// its last "npm ci" runs it again.
	installed := true
	for _, pkg := range []string{"playwright-core", "hls.js"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			installed = false
		}
	}
	if installed {
		return dir, node
	}
	npm := RequireTool(t, "npm", "npm")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return dir, node
}

// RunScript runs an e2e script with node for at most limit and decodes
// the JSON line it prints last into v. Chromium and its helpers run in
// the script's process group, which is killed on timeout and at cleanup.
// It returns the script's exit error (nil when it exited 0).
func RunScript(t testing.TB, node, dir, script string, limit time.Duration, v any, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", script, err)
	}
	t.Cleanup(func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	runErr := cmd.Wait()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %v: %v\nstdout: %s\nstderr: %s", script, limit, runErr, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
		t.Fatalf("%s printed no JSON result (%v, exit %v)\nstdout: %s\nstderr: %s", script, err, runErr, stdout.String(), stderr.String())
	}
	t.Logf("%s: %s", script, lines[len(lines)-1])
	return runErr
}
