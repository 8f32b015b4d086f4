package testenv

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"testing"
)

// NobodyDir makes a scratch directory that the user nobody owns, for a
// program that refuses to run as root; the test removes it.
func NobodyDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "onair-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("running as root and there is no user nobody to run the player as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// VLCCommand is cvlc playing url into out (raw s16le, stereo, 44.1 kHz)
// until the stream ends, in dir, as nobody when the test runs as root
// (VLC refuses root). extra are further options.
func VLCCommand(t testing.TB, ctx context.Context, cvlc, dir, out, url string, extra ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{cvlc, "--intf", "dummy", "--play-and-exit",
		"--aout", "afile", "--audiofile-file", out, "--audiofile-format", "s16",
		"--audiofile-channels", "2", "--no-audiofile-wav"}, extra...)
	args = append(args, url)
	if os.Geteuid() == 0 {
		setpriv := RequireTool(t, "setpriv", "util-linux")
		args = append([]string{setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"}, args...)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_RUNTIME_DIR="+dir)
	cmd.Dir = dir
	return cmd
}
