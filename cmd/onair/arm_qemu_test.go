package main

import (
	"archive/tar"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// armTarget is a release architecture that TestARMBinariesUnderQEMU runs
// under qemu-user, with Debian's cross C library as its root.
type armTarget struct {
	deb     string // Debian's name for it, as in dist/onair_<version>_<deb>.deb
	goarch  string
	goarm   string
	machine elf.Machine
	qemu    string // qemu-user's program; the -static one is tried first
	root    string // the cross C library, for qemu's -L
	libcPkg string
}

var armTargets = []armTarget{
	{"arm64", "arm64", "", elf.EM_AARCH64, "qemu-aarch64", "/usr/aarch64-linux-gnu", "libc6-arm64-cross"},
	{"armhf", "arm", "6", elf.EM_ARM, "qemu-arm", "/usr/arm-linux-gnueabihf", "libc6-armhf-cross"},
}

// The two tracks of the check's station.
const armToneA, armToneB = 880, 1320

// TestARMBinariesUnderQEMU: the arm64 and armhf binaries (from the
// packages in dist/ when they are there, else cross-built as released)
// run under qemu-user with Debian's cross C libraries. Without LAME there
// each says it falls back to shine, answers /status-json.xsl and plays
// both tracks of its folder to ffmpeg on loopback, in real time; and
// `onair devices` says PortAudio is missing rather than crashing.
// It takes about a minute, so it only runs with ONAIR_ARM_CHECK=1, as
// .ci/run's own step does.
func TestARMBinariesUnderQEMU(t *testing.T) {
	if os.Getenv("ONAIR_ARM_CHECK") == "" {
		t.Skip("set ONAIR_ARM_CHECK=1 to run the arm64 and armhf binaries under qemu-user (about a minute; .ci/run does)")
	}
	music := t.TempDir()
	// Three seconds each and no crossfade: the 12 s ffmpeg decodes
	// spans several tracks, so both play in it whatever the shuffle.
	makeTones(t, music, 3, armToneA, armToneB)
	for _, a := range armTargets {
		t.Run(a.deb, func(t *testing.T) { checkUnderQEMU(t, a, music) })
	}
}

func checkUnderQEMU(t *testing.T, a armTarget, music string) {
	qemu, err := exec.LookPath(a.qemu + "-static")
	if err != nil {
		qemu = testenv.RequireTool(t, a.qemu, "qemu-user-static")
	}
	root := testenv.RequireFile(t, a.root, a.libcPkg)
	bin, from := armBinary(t, a)
	t.Logf("%s binary %s", a.deb, from)
	root = qemuRoot(t, bin, a, root)
	run := []string{qemu, "-L", root, bin}

	// No libportaudio under the cross root: a clear message, no crash.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev := exec.CommandContext(ctx, qemu, "-L", root, bin, "devices")
	var devOut, devErr strings.Builder
	dev.Stdout, dev.Stderr = &devOut, &devErr
	err = dev.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 ||
		!strings.Contains(devErr.String(), "PortAudio is not available") || !strings.Contains(devErr.String(), "apt install libportaudio2") {
		t.Errorf("onair devices: %v, want exit code 1 and the PortAudio hint; stdout %q, stderr:\n%s", err, devOut.String(), devErr.String())
	}

	yaml := fmt.Sprintf("stations:\n  - id: main\n    mount: /stream\n    crossfade_ms: 0\n    media_dirs: [%q]\n", music)
	start := time.Now()
	_, base, log := startUnder(t, run, t.TempDir(), yaml)
	t.Logf("answered /status-json.xsl %.1f s after starting under qemu", time.Since(start).Seconds())

	// The notice is logged as the station starts, before the server
	// listens; the poll only covers a slow write of the log.
	const notice = "using shine (128 kbps only); apt install libmp3lame0 for better sound"
	if !testenv.Poll(5*time.Second, func() bool { return strings.Contains(log.String(), notice) }) {
		t.Errorf("no shine fallback notice %q in the log", notice)
	}
	checkStatusJSON(t, base)

	// A Go listener measures the pace while ffmpeg decodes; both start
	// together and take about as long.
	pace := make(chan float64, 1)
	go func() { pace <- streamPace(base, 8*time.Second) }()
	pcm, wall := ffmpegListen(t, base+"/stream", 12)
	ratio := <-pace
	t.Logf("ffmpeg decoded %.1f s of audio in %.1f s; the stream came at %.2f× real time after the burst", float64(len(pcm))/8000, wall.Seconds(), ratio)
	// A station that cannot keep up stutters for every listener; the
	// margin allows for a loaded machine.
	if ratio < 0.9 {
		t.Errorf("the station kept only %.2f× real time under qemu", ratio)
	}

	counts := map[int]int{}
	const win = 800 // 100 ms at 8 kHz
	for i := 0; i+win <= len(pcm); i += win {
		la := testaudio.Level(pcm[i:i+win], 8000, armToneA)
		lb := testaudio.Level(pcm[i:i+win], 8000, armToneB)
		switch {
		case la > 0.05 && la > 4*lb:
			counts[armToneA]++
		case lb > 0.05 && lb > 4*la:
			counts[armToneB]++
		}
	}
	t.Logf("100 ms windows heard: %d Hz %d, %d Hz %d, of %d", armToneA, counts[armToneA], armToneB, counts[armToneB], len(pcm)/win)
	for _, f := range []int{armToneA, armToneB} {
		// A whole track is 30 windows; 10 leaves room for one cut
		// short at either end of the recording.
		if counts[f] < 10 {
			t.Errorf("%d Hz heard in %d windows of 100 ms, want at least 10", f, counts[f])
		}
	}
}

// armBinary returns the onair binary for a and where it came from: the
// newest dist/onair_*_<deb>.deb when there is one (what users install),
// else a build with the release flags.
func armBinary(t *testing.T, a armTarget) (string, string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "onair")
	debs, _ := filepath.Glob(filepath.Join("..", "..", "dist", "onair_*_"+a.deb+".deb"))
	var deb string
	var newest time.Time
	for _, d := range debs {
		if fi, err := os.Stat(d); err == nil && fi.ModTime().After(newest) {
			deb, newest = d, fi.ModTime()
		}
	}
	if deb != "" {
		extractFromDeb(t, deb, "./usr/bin/onair", bin)
		return bin, "from " + filepath.Base(deb)
	}
	// The flags of scripts/package.sh: PIE on arm64; on armhf, the hard-float
	// loader that Debian and Raspberry Pi OS have.
	args := []string{"build", "-trimpath", "-buildmode=pie", "-ldflags", "-s -w -bindnow", "-o", bin, "."}
	if a.goarm != "" {
		args = []string{"build", "-trimpath", "-ldflags", "-s -w -I /lib/ld-linux-armhf.so.3", "-o", bin, "."}
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+a.goarch)
	if a.goarm != "" {
		cmd.Env = append(cmd.Env, "GOARM="+a.goarm)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build for %s: %v\n%s", a.deb, err, out)
	}
	return bin, fmt.Sprintf("cross-built as scripts/package.sh builds it (no dist/onair_*_%s.deb): go %s", a.deb, strings.Join(args, " "))
}

// extractFromDeb writes the file name of the package deb's data to dst.
func extractFromDeb(t *testing.T, deb, name, dst string) {
	t.Helper()
	cmd := exec.Command(testenv.RequireTool(t, "dpkg-deb", "dpkg"), "--fsys-tarfile", deb)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer out.Close()
	tr := tar.NewReader(out)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s: no %s in the package (%v) %s", deb, name, err, stderr.String())
		}
		if h.Name != name {
			continue
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(f, tr); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
}

// qemuRoot checks that bin is a dynamically linked executable for a (it
// loads LAME and PortAudio through the C loader) whose loader the cross C
// library has, as Debian's own has it, and returns that library's root
// for qemu's -L.
func qemuRoot(t *testing.T, bin string, a armTarget, root string) string {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != a.machine {
		t.Fatalf("%s binary is for %v, not %v", a.deb, f.Machine, a.machine)
	}
	interp := ""
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, _ := io.ReadAll(p.Open())
			interp = strings.TrimRight(string(b), "\x00")
		}
	}
	if interp == "" {
		t.Fatalf("%s binary names no C loader: it cannot load LAME or PortAudio", a.deb)
	}
	t.Logf("%s binary's loader: %s", a.deb, interp)
	if _, err := os.Stat(filepath.Join(root, interp)); err != nil {
		t.Fatalf("the %s binary asks for the loader %s, which Debian's %s C library does not have: it would not start there", a.deb, interp, a.deb)
	}
	return root
}

// checkStatusJSON: the status page lists the station's mount as playing
// at 128 kbps, the only bitrate shine has.
func checkStatusJSON(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/status-json.xsl")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Icestats struct {
			Source json.RawMessage
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/status-json.xsl: %d %v", resp.StatusCode, err)
	}
	type source struct {
		Listenurl string
		Bitrate   int
	}
	var sources []source
	// Icecast gives an object for one source and an array for several.
	if err := json.Unmarshal(st.Icestats.Source, &sources); err != nil {
		var one source
		if err := json.Unmarshal(st.Icestats.Source, &one); err != nil {
			t.Fatalf("/status-json.xsl source: %v in %s", err, st.Icestats.Source)
		}
		sources = []source{one}
	}
	for _, s := range sources {
		if strings.HasSuffix(s.Listenurl, "/stream") && s.Bitrate == 128 {
			return
		}
	}
	t.Errorf("/status-json.xsl lists no /stream at 128 kbps: %s", st.Icestats.Source)
}

// ffmpegListen has ffmpeg play url over HTTP (ICY metadata asked for, as
// players do) and decode seconds of it to mono at 8 kHz; it returns the
// samples and how long that took.
func ffmpegListen(t *testing.T, url string, seconds int) ([]float64, time.Duration) {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second+30*time.Second)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-icy", "1", "-i", url, "-t", fmt.Sprint(seconds),
		"-ac", "1", "-ar", "8000", "-f", "s16le", "-")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg on %s: %v\n%s", url, err, stderr.String())
	}
	return testaudio.DecodeS16LE(raw, 1)[0], time.Since(start)
}

// streamPace reads url's stream for d and returns the bytes that came
// after the burst per second, against 128 kbps: 1 is real time. The
// burst (past audio a new listener gets at once) is what arrives in the
// first second.
func streamPace(base string, d time.Duration) float64 {
	c := &http.Client{Timeout: d + 10*time.Second}
	resp, err := c.Get(base + "/stream")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	buf := make([]byte, 16<<10)
	start := time.Now()
	var from time.Time
	n := 0
	for time.Since(start) < d {
		k, err := resp.Body.Read(buf)
		if time.Since(start) > time.Second {
			if from.IsZero() {
				from = time.Now()
			} else {
				n += k
			}
		}
		if err != nil {
			break
		}
	}
	if from.IsZero() {
		return 0
	}
	return float64(n) / time.Since(from).Seconds() / (128000 / 8)
}
