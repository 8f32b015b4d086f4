package broadcast

// End-to-end tests with the real source clients and players Debian 12
// ships: liquidsoap 2.1, ezstream 1.0 (libshout 2.4), darkice 1.3 and VLC
// 3.0, with ffmpeg as the ear. Each test starts the server on loopback, runs
// the program against it, and checks what a listener would notice: the
// stream plays, it is the tone that was sent, without gaps, and the titles
// show. Sources connect through a wireTap, a transparent proxy that keeps
// the opening bytes of every connection, so a failure shows what the client
// put on the wire and what the server answered.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// ---- running programs

// syncBuffer collects what a running program prints.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 4<<20 { // enough to diagnose; never grow without bound
		s.b.Write(p)
	}
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// program is a third-party program running in the background for a test.
type program struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error // set before done is closed
}

// startProgram starts cmd, made with exec.CommandContext so that the test's
// context bounds it, collecting its output (stdout too unless the caller
// set it). The test's cleanup kills and reaps it, and shows the output
// when the test failed.
func startProgram(t *testing.T, name string, cmd *exec.Cmd) *program {
	t.Helper()
	p := &program{name: name, cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	if cmd.Stdout == nil {
		cmd.Stdout = p.out
	}
	cmd.Stderr = p.out
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s printed:\n%s", name, tail(p.out.String(), 6000))
		}
	})
	return p
}

// stop kills the program if it still runs, and reaps it.
func (p *program) stop() {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

func (p *program) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to d for the program to end by itself.
func (p *program) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		t.Fatalf("%s still running after %v", p.name, d)
		return nil
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// waitOnAirFrom is waitOnAir that gives up at once, showing why, when the
// program feeding the mount exits first. The bound is for a loaded
// machine, where liquidsoap alone can take seconds to start.
func waitOnAirFrom(t *testing.T, ts *testServer, mount string, p *program) {
	t.Helper()
	start := time.Now()
	for i := 0; i < 3000 && time.Since(start) < 30*time.Second; i++ {
		if m := ts.Mount(mount); m != nil && m.OnAir() && m.head.Load() > 4 {
			return
		}
		if p.exited() {
			t.Fatalf("%s exited (%v) before %s went on air", p.name, p.err, mount)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s did not put %s on air within %v", p.name, mount, time.Since(start).Round(time.Second))
}

// ---- fixtures, made at test time

// fixtureLevel is the amplitude, of full scale, of the test tones.
const fixtureLevel = 0.25

// ffmpegSourceLevel is the level of ffmpegSource's tone: lavfi's sine is at
// 1/8 of full scale, and ffmpeg's mono-to-stereo upmix lowers it by 3 dB.
const ffmpegSourceLevel = 0.125 / math.Sqrt2

// toneSpec is an ffmpeg lavfi input of a stereo sine of freq Hz at
// fixtureLevel. (aevalsrc rather than sine plus -ac 2, which would lower
// the level 3 dB.)
func toneSpec(freq int, d time.Duration) string {
	wave := fmt.Sprintf("%g*sin(2*PI*%d*t)", fixtureLevel, freq)
	return fmt.Sprintf("aevalsrc=%s|%s:s=44100:d=%g", wave, wave, d.Seconds())
}

// taggedMP3 writes a tone, d long, as a 128 kbps MP3 with ID3 artist and
// title tags.
func taggedMP3(t *testing.T, ctx context.Context, path string, freq int, d time.Duration, artist, title string) {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", toneSpec(freq, d), "-c:a", "libmp3lame", "-b:a", "128k",
		"-metadata", "artist="+artist, "-metadata", "title="+title, "-id3v2_version", "3", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v: %s", path, err, out)
	}
}

// The titles of twoTrackPlaylist's files, as "artist - title".
const (
	titleAlpha = "Test Artist - Sine Alpha"
	titleBeta  = "Test Artist - Sine Beta"
)

// twoTrackPlaylist makes two tagged 440 Hz MP3 files of 2.5 s in dir and an
// m3u playlist of them.
func twoTrackPlaylist(t *testing.T, ctx context.Context, dir string) string {
	t.Helper()
	a, b := filepath.Join(dir, "a.mp3"), filepath.Join(dir, "b.mp3")
	taggedMP3(t, ctx, a, 440, 2500*time.Millisecond, "Test Artist", "Sine Alpha")
	taggedMP3(t, ctx, b, 440, 2500*time.Millisecond, "Test Artist", "Sine Beta")
	m3u := filepath.Join(dir, "list.m3u")
	if err := os.WriteFile(m3u, []byte(a+"\n"+b+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return m3u
}

// fakeSoundCard makes an ALSA capture device named "onair" for a program
// that records from a sound card: ALSA's file plugin over the null device,
// reading its samples from a FIFO that ffmpeg fills in real time with a
// 440 Hz tone (s16le, stereo, 44.1 kHz), for up to d. It returns the HOME
// to run the program with: ALSA reads $HOME/.asoundrc.
func fakeSoundCard(t *testing.T, ctx context.Context, dir string, d time.Duration) string {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	fifo := filepath.Join(dir, "capture.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	asoundrc := fmt.Sprintf("pcm.onair {\n  type file\n  slave.pcm \"null\"\n  file \"/dev/null\"\n  infile %q\n  format \"raw\"\n}\n", fifo)
	if err := os.WriteFile(filepath.Join(dir, ".asoundrc"), []byte(asoundrc), 0o644); err != nil {
		t.Fatal(err)
	}
	// ffmpeg waits in open() until the program opens the device; a kill
	// ends that wait too.
	startProgram(t, "ffmpeg (sound card)", exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error",
		"-re", "-f", "lavfi", "-i", toneSpec(440, d), "-f", "s16le", "-y", fifo))
	return dir
}

// ---- seeing what goes over the wire

// tapConn is one connection through a wireTap: the first bytes the client
// sent and the server answered.
type tapConn struct {
	port     string // "http" or "shoutcast"
	up, down *syncBuffer
}

// wireTap is a transparent TCP proxy on its own adjacent pair of loopback
// ports in front of the server's pair, keeping the first few KiB each way
// of every connection: a record of what a real client put on the wire.
type wireTap struct {
	http, shoutcast string

	mu     sync.Mutex
	conns  []*tapConn
	open   map[net.Conn]bool
	closed bool
	wg     sync.WaitGroup
}

const tapKeep = 4 << 10

func startTap(t *testing.T, ts *testServer) *wireTap {
	t.Helper()
	a, b := testenv.AdjacentListeners(t)
	w := &wireTap{http: a.Addr().String(), shoutcast: b.Addr().String(), open: map[net.Conn]bool{}}
	for _, side := range []struct {
		ln           net.Listener
		port, target string
	}{{a, "http", ts.http}, {b, "shoutcast", ts.shoutcast}} {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			for {
				c, err := side.ln.Accept()
				if err != nil {
					return
				}
				w.wg.Add(1)
				go func() {
					defer w.wg.Done()
					w.relay(c, side.port, side.target)
				}()
			}
		}()
	}
	t.Cleanup(func() {
		a.Close()
		b.Close()
		w.mu.Lock()
		w.closed = true
		for c := range w.open {
			c.Close()
		}
		w.mu.Unlock()
		w.wg.Wait()
		if t.Failed() {
			t.Logf("on the wire:\n%s", w.transcript())
		}
	})
	return w
}

// hold registers c to be closed by the cleanup; false when it already ran.
func (w *wireTap) hold(c net.Conn) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		c.Close()
		return false
	}
	w.open[c] = true
	return true
}

func (w *wireTap) release(c net.Conn) {
	w.mu.Lock()
	delete(w.open, c)
	w.mu.Unlock()
	c.Close()
}

func (w *wireTap) relay(client net.Conn, port, target string) {
	if !w.hold(client) {
		return
	}
	defer w.release(client)
	tc := &tapConn{port: port, up: &syncBuffer{}, down: &syncBuffer{}}
	w.mu.Lock()
	w.conns = append(w.conns, tc)
	w.mu.Unlock()
	server, err := net.DialTimeout("tcp", target, 2*time.Second)
	if err != nil || !w.hold(server) {
		return
	}
	defer w.release(server)
	var wg sync.WaitGroup
	pipe := func(dst, src net.Conn, keep *syncBuffer) {
		defer wg.Done()
		_, _ = io.Copy(io.MultiWriter(dst, &limitWriter{w: keep, n: tapKeep}), src)
		if c, ok := dst.(*net.TCPConn); ok {
			_ = c.CloseWrite() // pass a half-close on
		}
	}
	wg.Add(2)
	go pipe(server, client, tc.up)
	go pipe(client, server, tc.down)
	wg.Wait()
}

// limitWriter keeps the first n bytes written to it and drops the rest.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(l.n, len(p))
		_, _ = l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// requests returns the connections to port whose first bytes start with
// prefix, in the order they were made.
func (w *wireTap) requests(port, prefix string) []*tapConn {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []*tapConn
	for _, c := range w.conns {
		if c.port == port && strings.HasPrefix(c.up.String(), prefix) {
			out = append(out, c)
		}
	}
	return out
}

// transcript shows every connection's opening bytes, audio elided.
func (w *wireTap) transcript() string {
	w.mu.Lock()
	conns := slices.Clone(w.conns)
	w.mu.Unlock()
	var b strings.Builder
	for i, c := range conns {
		fmt.Fprintf(&b, "--- connection %d to the %s port\n>>> %s\n<<< %s\n", i+1, c.port,
			printable(c.up.String()), printable(c.down.String()))
	}
	return b.String()
}

// printable keeps the text at the head of a capture, up to the first byte
// that is neither printable nor a line ending, and shows the line endings.
func printable(s string) string {
	for i, r := range s {
		if r != '\r' && r != '\n' && r != '\t' && (r < ' ' || r == 0x7f || r == 0xfffd) {
			s = s[:i] + fmt.Sprintf("[%d bytes of binary]", len(s)-i)
			break
		}
	}
	s = strings.ReplaceAll(s, "\r", `\r`)
	return strings.ReplaceAll(s, "\n", "\\n\n    ")
}

// ---- what a listener notices

// waitTitles reads a listener's stream, at most maxBytes of audio, until it
// has seen every title in want.
func waitTitles(t *testing.T, l *icyListener, maxBytes int, want ...string) {
	t.Helper()
	seenAll := func() bool {
		for _, w := range want {
			if !slices.Contains(l.titles, w) {
				return false
			}
		}
		return true
	}
	for n := 0; n < maxBytes && !seenAll(); n += 4000 {
		l.readAudio(t, 4000)
	}
	if !seenAll() {
		t.Fatalf("after %d bytes of audio the listener saw the titles %q, want all of %q", maxBytes, l.titles, want)
	}
}

// toneWindows measures freq in every 100 ms window of s16le stereo PCM at
// 44.1 kHz. Window by window, the phase jumps at track changes do not
// cancel the measurement as they would over a longer span.
func toneWindows(pcm []byte, freq float64) []float64 {
	const win = 4410
	left := testaudio.DecodeS16LE(pcm, 2)[0]
	var out []float64
	for i := 0; i+win <= len(left); i += win {
		out = append(out, testaudio.Level(left[i:i+win], 44100, freq))
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// assertTone plays url with ffmpeg for d and checks what a listener hears.
func assertTone(t *testing.T, ctx context.Context, url string, d time.Duration, freq int, level float64) {
	t.Helper()
	pcm := decodeWithFFmpeg(t, ctx, url, d)
	if got, want := len(pcm), int(d.Seconds()*44100*4); got < want*9/10 {
		t.Fatalf("ffmpeg decoded %d bytes of PCM from %s, want about %d", got, url, want)
	}
	checkTone(t, pcm, url, freq, level)
}

// checkTone checks decoded audio (s16le, stereo, 44.1 kHz): freq at about
// level, in nearly every 100 ms window (no gaps or dropouts), and no other
// loud frequency.
func checkTone(t *testing.T, pcm []byte, what string, freq int, level float64) {
	t.Helper()
	on := toneWindows(pcm, float64(freq))
	if len(on) < 10 {
		t.Fatalf("%s: only %d ms of audio", what, 100*len(on))
	}
	if m := median(on); m < level*0.7 || m > level*1.3 {
		t.Errorf("%s: %d Hz at %.3f of full scale (median of %d windows), want about %.3f", what, freq, m, len(on), level)
	}
	quiet := 0
	for _, l := range on {
		if l < level/2 {
			quiet++
		}
	}
	if quiet > len(on)/10 {
		t.Errorf("%s: %d of %d windows of 100 ms lack the %d Hz tone: gaps in the stream", what, quiet, len(on), freq)
	}
	other := float64(freq) * 1.7
	if m := median(toneWindows(pcm, other)); m > level/10 {
		t.Errorf("%s: %.0f Hz at %.3f: the stream is not clean", what, other, m)
	}
}

// ---- liquidsoap 2.1

// liquidsoapScript writes a liquidsoap 2.1 script into dir. The prelude
// logs to stdout and allows running as root, as in a container.
func liquidsoapScript(t *testing.T, dir, body string) string {
	t.Helper()
	script := "settings.init.allow_root.set(true)\n" +
		"settings.log.stdout.set(true)\n" +
		"settings.log.file.set(false)\n" +
		"settings.log.level.set(3)\n" + body
	p := filepath.Join(dir, "radio.liq")
	if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runLiquidsoap plays twoTrackPlaylist in a loop through output, an
// output.icecast or output.shoutcast call with %[1]s for the encoder,
// %[2]s the host, %[3]s the port and %[4]q the password.
func runLiquidsoap(t *testing.T, ctx context.Context, tap *wireTap, output string) *program {
	t.Helper()
	liquidsoap := testenv.RequireTool(t, "liquidsoap", "liquidsoap")
	dir := t.TempDir()
	m3u := twoTrackPlaylist(t, ctx, dir)
	host, port, _ := net.SplitHostPort(tap.http)
	body := fmt.Sprintf("s = mksafe(playlist(mode=\"normal\", reload_mode=\"never\", %q))\n", m3u) +
		fmt.Sprintf(output, "%mp3(bitrate=128, samplerate=44100, stereo=true)", host, port, testSourcePass) + "\n"
	return startProgram(t, "liquidsoap", exec.CommandContext(ctx, liquidsoap, liquidsoapScript(t, dir, body)))
}

// TestLiquidsoapOutputs: liquidsoap plays a two-track playlist through
// output.icecast (SOURCE over HTTP/1.0 with no Host and ice-audio-info;
// titles through GET /admin/metadata with charset, title, artist and song)
// and through output.shoutcast (SHOUTcast v1 on port+1 with icy-reset:1;
// titles through GET /admin.cgi on the base port, expecting an HTTP
// reply). A listener gets the stream name, both tracks' titles from their
// ID3 tags, and the 440 Hz tone without gaps.
func TestLiquidsoapOutputs(t *testing.T) {
	testenv.RequireTool(t, "liquidsoap", "liquidsoap")
	for _, tc := range []struct {
		name, output, icyName string
		seen                  [][2]string // tap side and request prefix the client must have sent
	}{
		{"icecast", `output.icecast(%[1]s, host=%[2]q, port=%[3]s, password=%[4]q,
  mount="/live", name="Liquid FM", genre="Test", description="liquidsoap output.icecast", s)`, "Liquid FM",
			[][2]string{{"http", "SOURCE /live HTTP/1.0\r\n"}}},
		{"shoutcast", `output.shoutcast(%[1]s, host=%[2]q, port=%[3]s, password=%[4]q,
  name="Liquid SC", genre="Test", s)`, "Liquid SC",
			[][2]string{{"shoutcast", testSourcePass + "\r\n"}, {"http", "GET /admin.cgi?"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, nil)
			tap := startTap(t, ts)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			ls := runLiquidsoap(t, ctx, tap, tc.output)
			waitOnAirFrom(t, ts, "/live", ls)

			l := listen(t, ts, "/live", true)
			if !strings.HasPrefix(l.status, "HTTP/1.0 200") || l.headers["icy-name"] != tc.icyName {
				t.Fatalf("listener got %q %v", l.status, l.headers)
			}
			waitTitles(t, l, 12*16000, titleAlpha, titleBeta)
			assertTone(t, ctx, "http://"+ts.http+"/live", 3*time.Second, 440, fixtureLevel)
			for _, want := range tc.seen {
				if len(tap.requests(want[0], want[1])) == 0 {
					t.Errorf("liquidsoap never sent %q on the %s port", want[1], want[0])
				}
			}
		})
	}
}

// ---- ezstream 1.0 (libshout 2.4)

// ezstreamConfig is an ezstream 1.0 configuration that streams the MP3
// files of m3u as they are (no re-encoding) with their ID3 tags as titles.
func ezstreamConfig(t *testing.T, dir, protocol, host, port, tls, m3u string) string {
	t.Helper()
	cfg := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<ezstream>
  <servers>
    <server>
      <protocol>%[1]s</protocol>
      <hostname>%[2]s</hostname>
      <port>%[3]s</port>
      <user>source</user>
      <password>%[4]s</password>
      <tls>%[5]s</tls>
      <reconnect_attempts>0</reconnect_attempts>
    </server>
  </servers>
  <streams>
    <stream>
      <mountpoint>/live</mountpoint>
      <format>MP3</format>
      <stream_name>Ez FM</stream_name>
      <stream_genre>Test</stream_genre>
      <stream_description>ezstream over %[1]s</stream_description>
      <stream_bitrate>128</stream_bitrate>
      <stream_samplerate>44100</stream_samplerate>
      <stream_channels>2</stream_channels>
    </stream>
  </streams>
  <intakes>
    <intake>
      <type>playlist</type>
      <filename>%[6]s</filename>
    </intake>
  </intakes>
</ezstream>
`, protocol, host, port, testSourcePass, tls, m3u)
	p := filepath.Join(dir, "ezstream.xml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEzstream: ezstream streams the playlist over HTTP (with TLS off, and
// with TLS "may", where libshout first asks OPTIONS * to upgrade) and over
// ICY (SHOUTcast v1 on port+1, after a "!POKE" probe; titles via
// /admin.cgi). Each time a listener gets the name, both titles and the
// tone; the wire shows the probe each mode makes was answered as libshout
// expects.
func TestEzstream(t *testing.T) {
	ezstream := testenv.RequireTool(t, "ezstream", "ezstream")
	for _, tc := range []struct {
		name, protocol, tls string
		probePort, probe    string // the probe this mode makes first
		answer              string // how the server must answer it
	}{
		{"HTTP", "HTTP", "None", "http", "SOURCE /live HTTP/1.0\r\n", "HTTP/1.0 401"},
		{"HTTP_TLS_may", "HTTP", "May", "http", "OPTIONS * HTTP/1.1\r\n", "HTTP/1.1 200"},
		{"ICY", "ICY", "None", "shoutcast", "!POKE\n", "invalid password\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, nil)
			tap := startTap(t, ts)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			dir := t.TempDir()
			m3u := twoTrackPlaylist(t, ctx, dir)
			host, port, _ := net.SplitHostPort(tap.http)
			cfg := ezstreamConfig(t, dir, tc.protocol, host, port, tc.tls, m3u)
			ez := startProgram(t, "ezstream", exec.CommandContext(ctx, ezstream, "-v", "-c", cfg))
			waitOnAirFrom(t, ts, "/live", ez)

			l := listen(t, ts, "/live", true)
			if !strings.HasPrefix(l.status, "HTTP/1.0 200") || l.headers["icy-name"] != "Ez FM" {
				t.Fatalf("listener got %q %v", l.status, l.headers)
			}
			waitTitles(t, l, 12*16000, titleAlpha, titleBeta)
			assertTone(t, ctx, "http://"+ts.http+"/live", 3*time.Second, 440, fixtureLevel)
			probes := tap.requests(tc.probePort, tc.probe)
			if len(probes) == 0 {
				t.Fatalf("ezstream never sent the %q probe this test is about", tc.probe)
			}
			if got := probes[0].down.String(); !strings.HasPrefix(got, tc.answer) {
				t.Errorf("probe %q answered %q, want %q…", tc.probe, got, tc.answer)
			}
		})
	}
}

// ---- darkice 1.3

// darkiceConfig is a darkice configuration recording from fakeSoundCard's
// device; output is the output section's first lines.
func darkiceConfig(output string) string {
	return `[general]
duration = 25
bufferSecs = 1
reconnect = no
realtime = no

[input]
device = onair
sampleRate = 44100
bitsPerSample = 16
channel = 2

` + output + `bitrateMode = cbr
bitrate = 128
quality = 0.8
server = 127.0.0.1
password = ` + testSourcePass + `
name = Dark FM
description = darkice test
genre = Test
url = http://example.org/
public = no
`
}

// TestDarkice: darkice, recording from an ALSA device fed with a 440 Hz
// tone, streams MP3 through its icecast2 output (SOURCE over HTTP/1.0 with
// LF-only header lines and ice-bitrate); a listener gets the name and ffmpeg
// hears the tone.
//
// darkice's shoutcast output is not run: in darkice 1.3 it never sends the
// password (ShoutCast::sendLogin keeps a pointer into a destroyed
// std::string, `str = os.str().c_str()`, and sends the memory it points
// to, on the wire MP3 frames with no password line; darkice issue #106,
// fixed in 1.4 by pull request #138), so no server can accept it.
// TestDarkiceShoutcastLogin replays the fixed login instead.
func TestDarkice(t *testing.T) {
	darkice := testenv.RequireTool(t, "darkice", "darkice")
	for _, tc := range []struct {
		name, output string // output uses %[1]s for the HTTP port
		skip         string
	}{
		{name: "icecast2", output: "[icecast2-0]\nformat = mp3\nport = %[1]s\nmountPoint = live\n"},
		{name: "icecast1", output: "[icecast-0]\nformat = mp3\nport = %[1]s\nmountPoint = live\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			ts := startServer(t, nil)
			tap := startTap(t, ts)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			dir := t.TempDir()
			home := fakeSoundCard(t, ctx, dir, 25*time.Second)
			_, port, _ := net.SplitHostPort(tap.http)
			cfg := filepath.Join(dir, "darkice.cfg")
			if err := os.WriteFile(cfg, []byte(darkiceConfig(fmt.Sprintf(tc.output, port))), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(ctx, darkice, "-v", "3", "-c", cfg)
			cmd.Env = append(os.Environ(), "HOME="+home)
			dk := startProgram(t, "darkice", cmd)
			waitOnAirFrom(t, ts, "/live", dk)

			l := listen(t, ts, "/live", false)
			if !strings.HasPrefix(l.status, "HTTP/1.0 200") || l.headers["icy-name"] != "Dark FM" || l.headers["icy-br"] != "128" {
				t.Fatalf("listener got %q %v", l.status, l.headers)
			}
			assertTone(t, ctx, "http://"+ts.http+"/live", 3*time.Second, 440, fixtureLevel)
		})
	}
}

// TestDarkiceShoutcastLogin replays, over a raw socket, what darkice's
// fixed shoutcast output (1.4) sends, since 1.3's cannot log in (see
// TestDarkice): the password on an LF-terminated line; after the server's
// OK, icy-* lines ending in LF with no content-type, a blank line, then
// MP3 (here a tone from ffmpeg, in real time). The listener gets the name
// and hears the tone.
func TestDarkiceShoutcastLogin(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	ts := startServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := dial(t, ts.shoutcast)
	io.WriteString(c, testSourcePass+"\n")
	// darkice reads the reply with one read() and checks it starts "OK".
	reply := make([]byte, 64)
	n, err := c.Read(reply)
	if err != nil || !bytes.HasPrefix(reply[:n], []byte("OK")) {
		t.Fatalf("login answered %q, %v", reply[:n], err)
	}
	io.WriteString(c, "icy-name:Dark FM\nicy-url:http://example.org/\nicy-genre:Test\nicy-br:128\nicy-pub:0\n\n")
	enc := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", toneSpec(440, 25*time.Second), "-c:a", "libmp3lame", "-b:a", "128k",
		"-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", "-")
	enc.Stdout = c
	p := startProgram(t, "ffmpeg (encoder)", enc)
	waitOnAirFrom(t, ts, "/live", p)

	l := listen(t, ts, "/live", false)
	if l.headers["icy-name"] != "Dark FM" || !strings.HasPrefix(l.headers["content-type"], "audio/mpeg") {
		t.Fatalf("listener got %q %v", l.status, l.headers)
	}
	assertTone(t, ctx, "http://"+ts.http+"/live", 3*time.Second, 440, fixtureLevel)
}

// ---- VLC 3.0

// TestVLCPlays: cvlc plays /live: it writes the decoded audio, which holds
// the 440 Hz tone without gaps; its log shows both titles as they change;
// it connects twice (HTTP/1.1 without Icy-MetaData, then HTTP/1.0 with it),
// both answered 200; and with the onair binary's CountAfter, that play
// counts as one listener, and none after VLC quit.
func TestVLCPlays(t *testing.T) {
	cvlc := testenv.RequireTool(t, "cvlc", "vlc-bin")
	ts := startServer(t, func(o *Options) { o.CountAfter = time.Second })
	tap := startTap(t, ts)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	ffmpegSource(t, ctx, 440, 30*time.Second, "icecast://source:"+testSourcePass+"@"+ts.http+"/live", "-ice_name", "Sine FM")
	waitOnAir(t, ts, "/live")
	setTitle(t, ts, "/live", "Ünïcode Artist - First Song")

	dir := testenv.NobodyDir(t)
	out := filepath.Join(dir, "played.s16")
	vlc := startProgram(t, "cvlc", testenv.VLCCommand(t, ctx, cvlc, dir, out, "http://"+tap.http+"/live", "-vv", "--run-time", "5"))
	time.Sleep(2500 * time.Millisecond)
	testenv.WaitFor(t, "one listener while VLC plays", func() bool { return ts.Mount("/live").Listeners() == 1 })
	setTitle(t, ts, "/live", "Second Song")
	if err := vlc.wait(t, 20*time.Second); err != nil {
		t.Errorf("cvlc: %v", err)
	}
	testenv.WaitFor(t, "no listeners after VLC quit", func() bool { return ts.Mount("/live").Listeners() == 0 })
	if n := ts.Mount("/live").PeakListeners(); n != 1 {
		t.Errorf("one VLC play counted as %d listeners at peak, want 1", n)
	}

	pcm, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("VLC wrote no audio: %v", err)
	}
	if secs := float64(len(pcm)) / 44100 / 4; secs < 4 {
		t.Errorf("VLC played %.1f s of its 5", secs)
	}
	checkTone(t, pcm, "VLC", 440, ffmpegSourceLevel)

	log := vlc.out.String()
	for _, want := range []string{"New Icy-Title=Ünïcode Artist - First Song", "New Icy-Title=Second Song"} {
		if !strings.Contains(log, want) {
			t.Errorf("VLC's log does not show %q", want)
		}
	}
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		// Without a desktop session the dbus and hotkeys interfaces fail;
		// any other error is the stream's.
		if l := sc.Text(); strings.Contains(l, " error: ") && !strings.Contains(l, "interface") {
			t.Errorf("VLC reported: %s", l)
		}
	}

	gets := tap.requests("http", "GET /live ")
	if len(gets) != 2 {
		t.Fatalf("VLC made %d requests for /live, want 2 (a probe, then a play with metadata)", len(gets))
	}
	first, second := gets[0].up.String(), gets[1].up.String()
	if !strings.HasPrefix(first, "GET /live HTTP/1.1\r\n") || strings.Contains(strings.ToLower(first), "icy-metadata") {
		t.Errorf("VLC's first request was not HTTP/1.1 without Icy-MetaData:\n%s", first)
	}
	if !strings.HasPrefix(second, "GET /live HTTP/1.0\r\n") || !strings.Contains(second, "Icy-MetaData: 1\r\n") {
		t.Errorf("VLC's second request was not HTTP/1.0 with Icy-MetaData: 1:\n%s", second)
	}
	for i, g := range gets {
		if resp := g.down.String(); !strings.HasPrefix(resp, "HTTP/1.0 200 OK\r\n") {
			t.Errorf("VLC's request %d answered %q", i+1, printable(resp))
		}
	}
}

// ---- the default mount

// TestDefaultMountAtRoot: players that open the server's bare address, "/",
// "/;" (the SHOUTcast form) or "/;stream.mp3", get the default mount's
// stream, and ffmpeg decodes the tone from each.
func TestDefaultMountAtRoot(t *testing.T) {
	ts := startServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	ffmpegSource(t, ctx, 440, 30*time.Second, "icecast://source:"+testSourcePass+"@"+ts.http+"/stream")
	waitOnAir(t, ts, "/stream")
	for _, path := range []string{"/", "/;", "/;stream.mp3"} {
		assertTone(t, ctx, "http://"+ts.http+path, 2*time.Second, 440, ffmpegSourceLevel)
	}
	if n := ts.Mount("/stream").PeakListeners(); n < 1 {
		t.Errorf("the default mount had %d listeners: the root URLs played something else", n)
	}
}
