package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// onairCmd runs the binary with args, stdin and extra environment, and
// returns its exit code, stdout and stderr.
func onairCmd(t *testing.T, bin, stdin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// TestMaintenanceOnARunningServer: passwd, backup and restore from the
// command line while the server runs on the data folder.
func TestMaintenanceOnARunningServer(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	_, base := startAt(t, bin, dir, "")
	cfg := filepath.Join(dir, "onair.yaml")
	data := filepath.Join(dir, "data")

	// passwd from a line of stdin; the new password works at once.
	code, out, errOut := onairCmd(t, bin, "new-admin-pw\n", nil, "passwd", "-config", cfg, "admin")
	if code != 0 || !strings.Contains(out, `Password of "admin" set`) {
		t.Fatalf("passwd: %d %q %q", code, out, errOut)
	}
	if !strings.Contains(out, "admin_password") {
		t.Errorf("passwd does not say admin_password resets it at the next start: %q", out)
	}
	if resp := (apiAs{user: "admin", pass: "new-admin-pw"}).call(t, "GET", base+"/api/stations", nil, nil); resp.StatusCode != 200 {
		t.Errorf("the new password: %d", resp.StatusCode)
	}
	if resp := (apiAs{user: "admin", pass: "adm1n"}).call(t, "GET", base+"/api/stations", nil, nil); resp.StatusCode != 401 {
		t.Errorf("the old password: %d", resp.StatusCode)
	}
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"some-password\n", []string{"passwd", "-config", cfg, "ghost"}, 1, "-create -role admin|dj"},
		{"short\n", []string{"passwd", "-config", cfg, "admin"}, 1, "at least 8"},
		{"", []string{"passwd", "-config", cfg, "admin"}, 1, "stdin"},
		{"", []string{"passwd", "-config", cfg}, 2, "want one argument"},
		{"", []string{"passwd", "-create", "ghost"}, 2, "-create and -role go together"},
	} {
		code, _, errOut := onairCmd(t, bin, tc.stdin, nil, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q with %q: %d %q, want %d and %q", tc.args, tc.stdin, code, errOut, tc.code, tc.want)
		}
	}
	// A DJ made from the command line, flags after the name.
	if code, out, errOut := onairCmd(t, bin, "dj-password\n", nil, "passwd", "dee", "-config", cfg, "-create", "-role", "dj"); code != 0 || !strings.Contains(out, "Created dj account") {
		t.Errorf("passwd -create: %d %q %q", code, out, errOut)
	}

	// backup while serving; not over an existing file without -force.
	file := filepath.Join(t.TempDir(), "onair.backup")
	if code, out, errOut := onairCmd(t, bin, "", nil, "backup", "-config", cfg, file); code != 0 || !strings.Contains(out, "onair.db") {
		t.Fatalf("backup: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := onairCmd(t, bin, "", nil, "backup", "-config", cfg, file); code != 1 || !strings.Contains(errOut, "-force") {
		t.Errorf("backup over a file: %d %q", code, errOut)
	}

	// restore refuses the running server's folder, even with -force.
	other := filepath.Join(t.TempDir(), "onair.yaml")
	code, _, errOut = onairCmd(t, bin, "", []string{"ONAIR_DATA=" + data}, "restore", "-config", other, "-force", file)
	if code != 1 || !strings.Contains(errOut, "in use by a running OnAir") {
		t.Errorf("restore on the running server: %d %q", code, errOut)
	}
	// Into a fresh folder it works, the config with it.
	fresh := filepath.Join(t.TempDir(), "fresh")
	code, out, errOut = onairCmd(t, bin, "", []string{"ONAIR_DATA=" + fresh}, "restore", "-config", other, file)
	if code != 0 || !strings.Contains(out, fresh) {
		t.Fatalf("restore: %d %q %q", code, out, errOut)
	}
	want, _ := os.ReadFile(cfg)
	if got, err := os.ReadFile(other); err != nil || !bytes.Equal(got, want) {
		t.Errorf("restored config %q, %v; want %q", got, err, want)
	}
	if _, err := os.Stat(filepath.Join(fresh, "onair.db")); err != nil {
		t.Errorf("restored database: %v", err)
	}
}
