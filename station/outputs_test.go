package station

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/broadcast"
	"onair/codec/mp3enc"
	"onair/codec/ogg"
	"onair/codec/opus"
	"onair/config"
	"onair/internal/testaudio"
	"onair/internal/testenv"
)

// TestOutputsCarryTheMixAndTitles: a station with its MP3 128 mount, an
// MP3 64 output and an MP3 output at 48 kHz (resampled from the 44.1 kHz
// mix) plays the same tones on all three, each title arriving where its
// tone begins on each, and each output counts its own listener.
func TestOutputsCarryTheMixAndTitles(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	needLAME(t) // 64 kbps
	dir := t.TempDir()
	tones := map[string]float64{"Tester - Tone 440": 440, "Tester - Tone 1000": 1000}
	makeTone(t, ffmpeg, dir, tone{"a.mp3", 440, 2.5, 44100, "libmp3lame"})
	makeTone(t, ffmpeg, dir, tone{"b.mp3", 1000, 2.5, 44100, "libmp3lame"})
	cfg := config.Default().Stations[0]
	cfg.MediaDirs = []string{dir}
	cfg.CrossfadeMS = 0 // cuts: where a tone begins is sharp
	cfg.Outputs = []config.Output{
		{Mount: "/stream-64.mp3", Codec: config.CodecMP3, Bitrate: 64},
		{Mount: "/stream-48k.mp3", Codec: config.CodecMP3, Bitrate: 128, SampleRate: 48000},
	}
	addr, st, run := newStationOf(t, cfg)
	run()

	mounts := []struct {
		path    string
		bitrate int
	}{{"/stream", 128}, {"/stream-64.mp3", 64}, {"/stream-48k.mp3", 128}}
	type take struct {
		audio  []byte
		titles []titleChange
		err    error
	}
	takes := make([]take, len(mounts))
	var wg sync.WaitGroup
	for i, m := range mounts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			takes[i].audio, takes[i].titles, takes[i].err = recordMount(addr, m.path, 9*time.Second)
		}()
	}
	// While all three listen, each mount counts its own listener.
	counts, err := statusListeners(addr, 3*time.Second, len(mounts))
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		if counts[m.path] != 1 {
			t.Errorf("status-json.xsl: %s has %d listeners, want 1 (all: %v)", m.path, counts[m.path], counts)
		}
	}

	for i, m := range mounts {
		tk := takes[i]
		if tk.err != nil {
			t.Fatal(tk.err)
		}
		pcm := decodeMono(t, ffmpeg, tk.audio)
		bytesPerSec := float64(m.bitrate) * 125
		// A title reaches a player at the next ICY block: up to metaint
		// (2000) bytes after its place.
		late := 2000 / bytesPerSec
		level := func(at, freq float64) float64 {
			i := int(at * 44100)
			if i < 0 || i+2205 > len(pcm) {
				return -1
			}
			return testaudio.HannLevel(pcm[i:i+2205], 44100, freq) // 50 ms
		}
		checked := 0
		prev := ""
		for _, tc := range tk.titles {
			f, ok := tones[tc.title]
			if !ok || tc.title == prev {
				prev = tc.title
				continue
			}
			other := 1440 - f
			at := float64(tc.offset) / bytesPerSec
			after, before := at+0.15, at-late-0.2
			if level(after, f) < 0 || level(before, f) < 0 {
				prev = tc.title
				continue
			}
			if level(after, f) < 4*level(after, other) {
				t.Errorf("%s: %q arrived at %.2f s, but %.0f Hz is not playing at %.2f s", m.path, tc.title, at, f, after)
			}
			if prev != "" && level(before, other) < 4*level(before, f) {
				t.Errorf("%s: %q arrived at %.2f s, but %.0f Hz already played at %.2f s", m.path, tc.title, at, f, before)
			}
			prev = tc.title
			checked++
		}
		if checked < 2 {
			t.Errorf("%s: only %d title changes to check: %v", m.path, checked, tk.titles)
		}
	}

	outs := st.Info(context.Background()).Outputs
	if len(outs) != 2 || outs[1].SampleRate != 48000 || outs[0].Bitrate != 64 {
		t.Fatalf("station outputs = %+v", outs)
	}
	for _, o := range outs {
		if o.DroppedBlocks != 0 {
			t.Errorf("%s dropped %d blocks", o.Mount, o.DroppedBlocks)
		}
	}
}

// needLAME skips the test where libmp3lame.so.0 does not load, which
// bitrates other than 128 kbps need, and fails it in CI, which installs it.
func needLAME(t *testing.T) {
	t.Helper()
	enc, _, err := mp3enc.New(mp3enc.Options{Kind: mp3enc.KindLAME})
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("LAME does not load in CI: %v", err)
		}
		t.Skipf("LAME does not load (apt-get install libmp3lame0): %v", err)
	}
	enc.Close()
}

// statusListeners reads /status-json.xsl until n mounts have a listener
// or wait passes, and returns each mount's listeners.
func statusListeners(addr string, wait time.Duration, n int) (map[string]int, error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	var counts map[string]int
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); {
		resp, err := client.Get("http://" + addr + "/status-json.xsl")
		if err != nil {
			return nil, err
		}
		var st struct {
			Icestats struct {
				Source []struct {
					ListenURL string `json:"listenurl"`
					Listeners int    `json:"listeners"`
				} `json:"source"`
			} `json:"icestats"`
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		counts = map[string]int{}
		with := 0
		for _, s := range st.Icestats.Source {
			_, path, _ := strings.Cut(strings.TrimPrefix(s.ListenURL, "http://"), "/")
			counts["/"+path] = s.Listeners
			if s.Listeners > 0 {
				with++
			}
		}
		if with >= n {
			return counts, nil
		}
		// Listeners connect on their own goroutines: ask again shortly.
		timer := time.NewTimer(100 * time.Millisecond)
		<-timer.C
	}
	if counts == nil {
		return nil, errors.New("status-json.xsl never answered")
	}
	return counts, nil
}

// countingPublisher hands out nil mounts and counts what is given back.
type countingPublisher struct {
	published, released []string
}

func (p *countingPublisher) Publish(path string, _ broadcast.StreamInfo) (*broadcast.Mount, func(), error) {
	p.published = append(p.published, path)
	return nil, func() { p.released = append(p.released, path) }, nil
}

func (p *countingPublisher) AttachInput(path string, _ broadcast.Input) (func(), error) {
	return func() {}, nil
}

// TestOpusOutputWithoutLibopus: a station with an Opus output and no
// libopus does not start, says why, and gives back every mount it had
// claimed.
func TestOpusOutputWithoutLibopus(t *testing.T) {
	cfg := config.Default().Stations[0]
	cfg.LiveMount = ""
	cfg.Outputs = []config.Output{
		{Mount: "/stream-b.mp3", Codec: config.CodecMP3, Bitrate: 128},
		{Mount: "/stream.opus", Codec: config.CodecOpus, Bitrate: 96},
	}
	pub := &countingPublisher{}
	missing := func() (*opus.Library, error) { return opus.Open("libopus-not-here.so.0") }
	_, _, err := New(cfg, Programming{LoadOpus: missing}, pub, nil)
	if !errors.Is(err, opus.ErrNoLibrary) || !strings.Contains(err.Error(), "/stream.opus") || !strings.Contains(err.Error(), "libopus0") {
		t.Fatalf("err = %v, want %v naming /stream.opus and libopus0", err, opus.ErrNoLibrary)
	}
	if len(pub.released) != len(pub.published) {
		t.Fatalf("published %v, released %v", pub.published, pub.released)
	}
}

// TestOpusOutputCarriesTheMix: a station with its MP3 128 mount, an MP3 64
// output and an Opus 96 output plays the same tones on all three. The
// Opus output, with chain_titles, starts a chain at each title: ffmpeg decodes the whole
// recording, chains and all, without a complaint, and each chain's
// OpusTags name the tone that chain plays.
func TestOpusOutputCarriesTheMix(t *testing.T) {
	ffmpeg := testenv.RequireTool(t, "ffmpeg", "ffmpeg")
	needLAME(t)
	if _, err := opus.Load(); err != nil {
		t.Fatalf("libopus: %v", err) // installed with the machine and in CI
	}
	dir := t.TempDir()
	makeTone(t, ffmpeg, dir, tone{"a.mp3", 440, 2.5, 44100, "libmp3lame"})
	makeTone(t, ffmpeg, dir, tone{"b.mp3", 1000, 2.5, 44100, "libmp3lame"})
	cfg := config.Default().Stations[0]
	cfg.MediaDirs = []string{dir}
	cfg.CrossfadeMS = 0
	cfg.Outputs = []config.Output{
		{Mount: "/stream-64.mp3", Codec: config.CodecMP3, Bitrate: 64},
		{Mount: "/stream.opus", Codec: config.CodecOpus, Bitrate: 96, ChainTitles: true},
	}
	addr, st, run := newStationOf(t, cfg)
	run()
	paths := []string{"/stream", "/stream-64.mp3", "/stream.opus"}
	audio := make([][]byte, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		if strings.HasSuffix(p, ".opus") {
			wg.Go(func() { audio[i], errs[i] = recordOgg(addr, p, 9*time.Second) })
			continue
		}
		wg.Go(func() { audio[i], _, errs[i] = recordMount(addr, p, 9*time.Second) })
	}
	wg.Wait()
	for i, p := range paths {
		if errs[i] != nil {
			t.Fatalf("%s: %v", p, errs[i])
		}
		format := "mp3"
		if strings.HasSuffix(p, ".opus") {
			format = "ogg"
		}
		// An MP3 recording that begins mid-stream lacks the bit reservoir
		// of its first frame, which ffmpeg reports; an Ogg one must not
		// draw a word.
		pcm, complaint := decodeAs(t, ffmpeg, format, audio[i])
		if complaint != "" && format == "ogg" {
			t.Errorf("%s: ffmpeg said: %s", p, complaint)
		}
		if got := float64(len(pcm)) / 44100; got < 7 {
			t.Errorf("%s: %.1f s of audio in 9 s", p, got)
		}
		for _, f := range []float64{440, 1000} {
			if n := windowsOf(pcm, f, 1440-f); n < 10 {
				t.Errorf("%s: %.0f Hz leads in only %d windows of 50 ms", p, f, n)
			}
		}
	}

	// Chain by chain: the title in its OpusTags is the tone it plays.
	chains := splitChains(t, audio[2])
	checked := 0
	for _, c := range chains[1:] { // the first may have begun before the recording
		pcm, _ := decodeAs(t, ffmpeg, "ogg", c.bytes)
		if len(pcm) < 44100 {
			continue // a chain cut by the recording's end
		}
		f, other := 440.0, 1000.0
		if c.title == "Tester - Tone 1000" {
			f, other = 1000, 440
		} else if c.title != "Tester - Tone 440" {
			t.Errorf("a chain titled %q", c.title)
			continue
		}
		if n, all := windowsOf(pcm, f, other), len(pcm)/2205; n < all*8/10 {
			t.Errorf("chain %q: its tone leads in %d of %d windows", c.title, n, all)
		}
		checked++
	}
	if checked < 2 {
		t.Errorf("only %d whole chains to check in %d", checked, len(chains))
	}
	if outs := st.Info(context.Background()).Outputs; len(outs) != 2 || outs[1].Codec != "opus" || outs[1].SampleRate != 48000 || outs[1].DroppedBlocks != 0 {
		t.Errorf("outputs %+v", outs)
	}
}

// recordOgg records an Ogg mount for d, asking for ICY metadata as players
// do: none must come.
func recordOgg(addr, mount string, d time.Duration) ([]byte, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(d))
	io.WriteString(c, "GET "+mount+" HTTP/1.0\r\nIcy-MetaData: 1\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mount, err)
	}
	if resp.Header.Get("icy-metaint") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "audio/ogg") {
		return nil, fmt.Errorf("%s: headers %v", mount, resp.Header)
	}
	b, err := io.ReadAll(resp.Body)
	if !isTimeout(err) {
		return nil, fmt.Errorf("%s: the stream ended: %v", mount, err)
	}
	return b, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// decodeAs decodes a recording with ffmpeg to mono at 44.1 kHz, and
// returns what ffmpeg complained of.
func decodeAs(t *testing.T, ffmpeg, format string, b []byte) ([]float64, string) {
	t.Helper()
	cmd := exec.Command(ffmpeg, "-v", "error", "-f", format, "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", "44100", "pipe:1")
	cmd.Stdin = bytes.NewReader(b)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg decode: %v\n%s", err, errb.String())
	}
	return testaudio.DecodeS16LE(out.Bytes(), 1)[0], strings.TrimSpace(errb.String())
}

// windowsOf counts the 50 ms windows of pcm where freq is over four times
// as loud as other.
func windowsOf(pcm []float64, freq, other float64) int {
	n := 0
	for i := 0; i+2205 <= len(pcm); i += 2205 {
		w := pcm[i : i+2205]
		if testaudio.HannLevel(w, 44100, freq) > 4*testaudio.HannLevel(w, 44100, other) {
			n++
		}
	}
	return n
}

type chainTake struct {
	title string
	bytes []byte
}

// splitChains cuts an Ogg recording at each chain's first page and reads
// each chain's title from its OpusTags.
func splitChains(t *testing.T, b []byte) []chainTake {
	t.Helper()
	var out []chainTake
	for len(b) > 0 {
		p, err := ogg.ParsePage(b)
		if err != nil {
			t.Fatalf("the recording is not whole Ogg pages: %v", err)
		}
		n := p.Size()
		if p.Flags&ogg.BOS != 0 || len(out) == 0 {
			out = append(out, chainTake{})
		}
		c := &out[len(out)-1]
		if pk := p.FirstPacket(); p.Flags&ogg.Continued == 0 && bytes.HasPrefix(pk, []byte("OpusTags")) {
			c.title = opus.TagsTitle(pk)
		}
		c.bytes = append(c.bytes, b[:n]...)
		b = b[n:]
	}
	return out
}
