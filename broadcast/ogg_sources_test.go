package broadcast

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"onair/internal/testenv"
)

// TestOggDarkice: darkice 1.3, recording from an ALSA device fed with a
// 440 Hz tone, streams through its icecast2 output in Ogg Vorbis to a
// passthrough mount; ffmpeg decodes the tone cleanly.
//
// Its Opus output is not run. darkice 1.3's Opus encoder takes 48 kHz
// only ("unsupported sample rate for this encoder, you should resample
// your input to 48000Hz [44100]"). Resampling in darkice (sampleRate =
// 48000 in the output section), it sends the two header pages and then
// nothing, and OnAir ends the source as idle. Recording at 48 kHz
// instead, the fake sound card (ALSA's file plugin) delivers a garbled
// tone even through darkice's Vorbis output, so the test could not tell
// darkice's Opus from the card's faults.
func TestOggDarkice(t *testing.T) {
	darkice := testenv.RequireTool(t, "darkice", "darkice")
	for _, tc := range []struct{ name, output string }{
		{"vorbis", "[icecast2-0]\nformat = vorbis\nport = %[1]s\nmountPoint = live.ogg\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &syncBuffer{}
			ts := startServer(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("the server logged:\n%s", tail(logs.String(), 4000))
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			dir := t.TempDir()
			home := fakeSoundCard(t, ctx, dir, 25*time.Second)
			_, port, _ := net.SplitHostPort(ts.http)
			cfg := filepath.Join(dir, "darkice.cfg")
			if err := os.WriteFile(cfg, []byte(darkiceConfig(fmt.Sprintf(tc.output, port))), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(ctx, darkice, "-v", "3", "-c", cfg)
			cmd.Env = append(os.Environ(), "HOME="+home)
			dk := startProgram(t, "darkice", cmd)
			waitOnAirFrom(t, ts, "/live.ogg", dk)

			pcm, errs := decodeOgg(ctx, "http://"+ts.http+"/live.ogg", 3*time.Second)
			if errs != "" {
				t.Errorf("ffmpeg reported: %s", errs)
			}
			if got, want := len(pcm), 3*44100*4; got < want*9/10 {
				t.Errorf("%.1f s of audio of 3", float64(got)/44100/4)
			}
			checkTone(t, pcm, "darkice "+tc.name, 440, fixtureLevel)
			if got := ts.Mount("/live.ogg").Codec(); got != tc.name {
				t.Errorf("codec %q, want %q", got, tc.name)
			}
		})
	}
}

// taggedVorbis writes a tone, d long, as an Ogg Vorbis file with artist
// and title comments.
func taggedVorbis(t *testing.T, ctx context.Context, path string, freq int, d time.Duration, artist, title string) {
	t.Helper()
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	cmd := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", toneSpec(freq, d), "-c:a", "libvorbis", "-q:a", "4",
		"-metadata", "artist="+artist, "-metadata", "title="+title, path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v: %s", path, err, out)
	}
}

// ices2Playlist runs ices 2.0.3 with a basic playlist of two tagged Ogg
// Vorbis files of 2.5 s (titleAlpha and titleBeta), sent as they are to
// mount on ts, in a loop.
func ices2Playlist(t *testing.T, ctx context.Context, ts *testServer, mount string) *program {
	t.Helper()
	ices := testenv.RequireTool(t, "ices2", "ices2")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.ogg"), filepath.Join(dir, "b.ogg")
	taggedVorbis(t, ctx, a, 440, 2500*time.Millisecond, "Test Artist", "Sine Alpha")
	taggedVorbis(t, ctx, b, 440, 2500*time.Millisecond, "Test Artist", "Sine Beta")
	list := filepath.Join(dir, "playlist.txt")
	if err := os.WriteFile(list, []byte(a+"\n"+b+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(ts.http)
	cfg := fmt.Sprintf(`<?xml version="1.0"?>
<ices>
  <background>0</background>
  <logpath>%[1]s</logpath>
  <logfile>ices.log</logfile>
  <loglevel>3</loglevel>
  <consolelog>1</consolelog>
  <stream>
    <metadata><name>Ices FM</name><genre>Test</genre><description>ices2 playlist</description></metadata>
    <input>
      <module>playlist</module>
      <param name="type">basic</param>
      <param name="file">%[2]s</param>
      <param name="random">0</param>
      <param name="once">0</param>
    </input>
    <instance>
      <hostname>%[3]s</hostname>
      <port>%[4]s</port>
      <password>%[5]s</password>
      <mount>%[6]s</mount>
      <reconnectattempts>0</reconnectattempts>
    </instance>
  </stream>
</ices>
`, dir, list, host, port, testSourcePass, mount)
	xml := filepath.Join(dir, "ices.xml")
	if err := os.WriteFile(xml, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return startProgram(t, "ices2", exec.CommandContext(ctx, ices, xml))
}

// TestOggIces2: ices 2.0.3 plays a basic playlist of two tagged Ogg
// Vorbis files as they are (no re-encoding): each file goes out as a
// chain of its own. The status page shows each file's title in turn,
// and an ffmpeg listener across the track changes decodes the tone
// throughout. At each new chain ffmpeg 5.1 warns "Application provided
// invalid, non monotonically increasing dts to muxer in stream 0: 110144
// >= 110122" (each file's granule positions start again); the audio goes
// on, which is what is asserted.
func TestOggIces2(t *testing.T) {
	ts := startServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	p := ices2Playlist(t, ctx, ts, "/ices.ogg")
	waitOnAirFrom(t, ts, "/ices.ogg", p)
	titles := watchTitles(t, ts.http, "/ices.ogg")

	const d = 6 * time.Second
	pcm, said := decodeOggLog(ctx, "http://"+ts.http+"/ices.ogg", d, "warning")
	if said != "" {
		t.Logf("ffmpeg across ices2's chains said:\n%s", said)
	}
	if got, want := len(pcm), int(d.Seconds()*44100*4); got < want*9/10 {
		t.Errorf("ffmpeg decoded %.1f s of %v: it stopped at a chain boundary", float64(got)/44100/4, d)
	}
	checkTone(t, pcm, "ices2", 440, fixtureLevel)
	titles.waitFor(t, titleAlpha, titleBeta, titleAlpha)
	if strings.Contains(p.out.String(), "EROR") {
		t.Errorf("ices2 reported errors")
	}
}

// TestOggIces2Encoding: ices 2.0.3 encodes Vorbis from raw PCM on its
// stdin (its stdinpcm input: a 440 Hz tone from ffmpeg in real time).
// Told of a new title (its metadata file, then SIGUSR1), it begins a new
// chain with the new comments: the status page shows the title, and an
// ffmpeg listener across the change decodes the tone throughout.
func TestOggIces2Encoding(t *testing.T) {
	ices := testenv.RequireTool(t, "ices2", "ices2")
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	// A small burst, so that the listener decodes live, across the change.
	ts := startServer(t, func(o *Options) { o.Defaults.BurstSize = 4 << 10 })
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	dir := t.TempDir()
	meta := filepath.Join(dir, "metadata")
	if err := os.WriteFile(meta, []byte("artist=Test Artist\ntitle=Sine Alpha\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(ts.http)
	cfg := fmt.Sprintf(`<?xml version="1.0"?>
<ices>
  <background>0</background>
  <logpath>%[1]s</logpath>
  <logfile>ices.log</logfile>
  <loglevel>3</loglevel>
  <consolelog>1</consolelog>
  <stream>
    <metadata><name>Ices Live</name><genre>Test</genre><description>ices2 stdinpcm</description></metadata>
    <input>
      <module>stdinpcm</module>
      <param name="rate">44100</param>
      <param name="channels">2</param>
      <param name="metadata">1</param>
      <param name="metadatafilename">%[2]s</param>
    </input>
    <instance>
      <hostname>%[3]s</hostname>
      <port>%[4]s</port>
      <password>%[5]s</password>
      <mount>/live.ogg</mount>
      <reconnectattempts>0</reconnectattempts>
      <encode><quality>4</quality><samplerate>44100</samplerate><channels>2</channels></encode>
    </instance>
  </stream>
</ices>
`, dir, meta, host, port, testSourcePass)
	xml := filepath.Join(dir, "ices.xml")
	if err := os.WriteFile(xml, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pcm := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-loglevel", "error", "-re",
		"-f", "lavfi", "-i", toneSpec(440, 30*time.Second), "-f", "s16le", "-")
	pcm.Stdout = w
	startProgram(t, "ffmpeg (PCM)", pcm)
	enc := exec.CommandContext(ctx, ices, xml)
	enc.Stdin = r
	p := startProgram(t, "ices2", enc)
	r.Close()
	w.Close()
	waitOnAirFrom(t, ts, "/live.ogg", p)
	titles := watchTitles(t, ts.http, "/live.ogg")

	const d = 6 * time.Second
	done := make(chan struct{})
	var out []byte
	var said string
	go func() {
		defer close(done)
		out, said = decodeOggLog(ctx, "http://"+ts.http+"/live.ogg", d, "warning")
	}()
	testenv.WaitFor(t, "the listener on /live.ogg", func() bool { return ts.Mount("/live.ogg").bytesOut() > 0 })
	if err := os.WriteFile(meta, []byte("artist=Test Artist\ntitle=Sine Beta\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	titles.waitFor(t, titleBeta)
	select {
	case <-done:
		t.Errorf("ffmpeg was done before the new chain's title showed: it did not play across it")
	default:
	}
	<-done
	if said != "" {
		t.Logf("ffmpeg across ices2's new chain said:\n%s", said)
	}
	if got, want := len(out), int(d.Seconds()*44100*4); got < want*9/10 {
		t.Errorf("ffmpeg decoded %.1f s of %v: it stopped at the new chain", float64(got)/44100/4, d)
	}
	checkTone(t, out, "ices2 stdinpcm", 440, fixtureLevel)
	if got := ts.Mount("/live.ogg").Codec(); got != "vorbis" {
		t.Errorf("codec %q", got)
	}
}
