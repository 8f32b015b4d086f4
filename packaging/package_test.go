package packaging

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"onair/internal/testenv"
)

// TestServiceUnit: systemd finds nothing wrong with the unit, and its
// exposure score stays under 4 ("OK"; the README quotes it).
func TestServiceUnit(t *testing.T) {
	analyze := testenv.RequireTool(t, "systemd-analyze", "systemd")
	unit, err := os.ReadFile("onair.service")
	if err != nil {
		t.Fatal(err)
	}
	// verify wants ExecStart's program to exist: any executable will do,
	// this test's own binary for one.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "onair.service")
	if err := os.WriteFile(path, bytes.ReplaceAll(unit, []byte("/usr/bin/onair"), []byte(self)), 0o644); err != nil {
		t.Fatal(err)
	}
	// --man=no: the unit's Documentation= names the manual page, which is
	// installed only with the package.
	if out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err := exec.Command(analyze, "security", "--offline=true", path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Overall exposure level for onair\.service: ([0-9.]+) (\w+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	score, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("exposure level %s %s", m[1], m[2])
	if score >= 4 {
		t.Errorf("exposure level %.1f %s, want under 4.0:\n%s", score, m[2], out)
	}
}

// TestPackage builds the amd64 package with scripts/package.sh and checks
// it: control fields, files, conffile, the binary's version, the packaged
// config, and lintian (no errors; its warnings are logged).
func TestPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a package: not with -short")
	}
	for _, tool := range []struct{ name, apt string }{{"bash", "bash"}, {"dpkg-deb", "dpkg"}, {"git", "git"}} {
		testenv.RequireTool(t, tool.name, tool.apt)
	}
	lintian := testenv.RequireTool(t, "lintian", "lintian")

	const version = "1.2.3~test"
	dist := t.TempDir()
	cmd := exec.Command("bash", "../scripts/package.sh", "amd64")
	cmd.Env = append(os.Environ(), "VERSION="+version, "DIST="+dist)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("package.sh: %v\n%s", err, out)
	}
	deb := filepath.Join(dist, "onair_"+version+"_amd64.deb")

	fields := map[string]string{
		"Package":      "onair",
		"Version":      version,
		"Architecture": "amd64",
		"Depends":      "libc6",
		"Recommends":   "libmp3lame0, libportaudio2, libopus0",
		"Section":      "sound",
	}
	for name, want := range fields {
		if got := strings.TrimSpace(run(t, "dpkg-deb", "-f", deb, name)); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}

	files := map[string]string{} // path: mode and owner
	for _, line := range strings.Split(strings.TrimSpace(run(t, "dpkg-deb", "-c", deb)), "\n") {
		f := strings.Fields(line)
		if len(f) >= 6 {
			files[strings.TrimPrefix(f[5], ".")] = f[0] + " " + f[1]
		}
	}
	for path, want := range map[string]string{
		"/usr/bin/onair":                    "-rwxr-xr-x root/root",
		"/etc/onair/onair.yaml":             "-rw-r--r-- root/root",
		"/lib/systemd/system/onair.service": "-rw-r--r-- root/root",
		"/usr/share/doc/onair/copyright":    "-rw-r--r-- root/root",
		"/usr/share/doc/onair/changelog.gz": "-rw-r--r-- root/root",
		"/usr/share/man/man1/onair.1.gz":    "-rw-r--r-- root/root",
	} {
		if got, ok := files[path]; !ok {
			t.Errorf("%s is not in the package", path)
		} else if got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}

	root := t.TempDir()
	run(t, "dpkg-deb", "-R", deb, root)
	conffiles, err := os.ReadFile(filepath.Join(root, "DEBIAN", "conffiles"))
	if err != nil || strings.TrimSpace(string(conffiles)) != "/etc/onair/onair.yaml" {
		t.Errorf("conffiles: %q (%v), want /etc/onair/onair.yaml", conffiles, err)
	}
	for _, script := range []string{"postinst", "prerm", "postrm"} {
		if fi, err := os.Stat(filepath.Join(root, "DEBIAN", script)); err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("maintainer script %s: %v", script, err)
		}
	}
	bin := filepath.Join(root, "usr", "bin", "onair")
	if got := run(t, bin, "-version"); got != "onair "+version+"\n" {
		t.Errorf("onair -version: %q, want the package's version", got)
	}
	if f, err := elf.Open(bin); err != nil {
		t.Error(err)
	} else {
		if f.Section(".symtab") != nil {
			t.Error("the binary is not stripped: it has a symbol table")
		}
		f.Close()
	}
	conf := filepath.Join(root, "etc", "onair", "onair.yaml")
	yaml, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data_dir: "/var/lib/onair"`, `media_dirs: ["/var/lib/onair/music"]`} {
		if !bytes.Contains(yaml, []byte(want)) {
			t.Errorf("the packaged config lacks %s", want)
		}
	}
	run(t, bin, "check-config", "-config", conf)

	// lintian exits non-zero on errors only (--fail-on error).
	out, err := exec.Command(lintian, "--fail-on", "error", "--display-info", deb).CombinedOutput()
	t.Logf("lintian:\n%s", out)
	if err != nil {
		t.Errorf("lintian found errors: %v", err)
	}
}

// run runs a command and returns its output, failing the test on an error.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var stderr []byte
		if e, ok := err.(*exec.ExitError); ok {
			stderr = e.Stderr
		}
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr)
	}
	return string(out)
}
