package broadcast

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"onair/internal/testenv"
)

// TestOggRelays: an OnAir edge relays an Ogg mount (a pull relay) from
// another OnAir (Ogg Opus) and from the real icecast2 (Ogg Vorbis), both
// fed by ffmpeg. Two ffmpeg listeners of the edge, joining at different
// moments, decode the tone cleanly from their first byte, and the edge's
// status page shows the title from the stream's comments.
func TestOggRelays(t *testing.T) {
	for _, tc := range []struct{ name, codec string }{{"onair", "opus"}, {"icecast2", "vorbis"}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			c := oggCodecs[0] // Vorbis
			if tc.codec == "opus" {
				c = oggCodecs[1]
			}
			var upstream string
			if tc.name == "onair" {
				origin := startServer(t, nil)
				src := ffmpegOggSource(t, ctx, c.encoder, c.rate, c.extra, "icecast://source:"+testSourcePass+"@"+origin.http+"/radio.ogg", "audio/ogg", 440, 35*time.Second)
				waitOnAirFrom(t, origin, "/radio.ogg", src)
				upstream = "http://" + origin.http + "/radio.ogg"
			} else {
				ice, _ := startIcecast(t, ctx, "")
				testenv.WaitFor(t, "icecast2 answers", func() bool { return icecastMounts(ice) != nil })
				ffmpegOggSource(t, ctx, c.encoder, c.rate, c.extra, "icecast://source:slave-source@"+ice+"/radio.ogg", "application/ogg", 440, 35*time.Second)
				if !testenv.Poll(15*time.Second, func() bool { return slices.Equal(icecastMounts(ice), []string{"/radio.ogg"}) }) {
					t.Fatalf("icecast2 lists %q", icecastMounts(ice))
				}
				upstream = "http://" + ice + "/radio.ogg"
			}
			edge := startEdge(t, false, upstream)
			testenv.WaitFor(t, "the edge on air", func() bool {
				m := edge.Mount("/edge")
				return m != nil && m.OnAir() && m.head.Load() > 1
			})

			var wg sync.WaitGroup
			pcms, errs := make([][]byte, 2), make([]string, 2)
			for i := range 2 {
				wg.Go(func() {
					select {
					case <-time.After(time.Duration(i) * 1500 * time.Millisecond):
					case <-ctx.Done():
						return
					}
					pcms[i], errs[i] = decodeOgg(ctx, "http://"+edge.http+"/edge", 4*time.Second)
				})
			}
			wg.Wait()
			for i := range 2 {
				if errs[i] != "" {
					t.Errorf("edge listener %d: ffmpeg reported: %s", i+1, errs[i])
				}
				what := fmt.Sprintf("edge listener %d", i+1)
				if got, want := len(pcms[i]), 4*44100*4; got < want*9/10 {
					t.Errorf("%s: %.1f s of audio of 4", what, float64(got)/44100/4)
				}
				checkTone(t, pcms[i], what, 440, fixtureLevel)
			}
			if title, _ := statusTitle(edge.http, "/edge"); title != "Ogg Artist - Ogg Song" {
				t.Errorf("the edge shows the title %q", title)
			}
			if got := edge.Mount("/edge").Codec(); got != tc.codec {
				t.Errorf("the edge carries %q, want %q", got, tc.codec)
			}
		})
	}
}

// icecastSourceTitle is the title icecast2's /status-json.xsl shows for
// its one mount.
func icecastSourceTitle(addr string) string {
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get("http://" + addr + "/status-json.xsl")
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	// One mount: source is an object.
	var st struct {
		Icestats struct {
			Source struct {
				Title  string `json:"title"`
				Artist string `json:"artist"`
			} `json:"source"`
		} `json:"icestats"`
	}
	if json.NewDecoder(resp.Body).Decode(&st) != nil {
		return ""
	}
	if s := st.Icestats.Source; s.Artist != "" {
		return s.Artist + " - " + s.Title
	}
	return st.Icestats.Source.Title
}

// TestOggIcecastSlave: icecast2, a slave of OnAir, mirrors its Ogg Vorbis
// mount: an ffmpeg listener of icecast2 decodes the tone cleanly, and
// icecast2 reads the title from the stream's comments as OnAir passed
// them on.
func TestOggIcecastSlave(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	ts := startServer(t, func(o *Options) { o.RelayPassword = testRelayPass })
	c := oggCodecs[0] // Vorbis
	src := ffmpegOggSource(t, ctx, c.encoder, c.rate, c.extra, "icecast://source:"+testSourcePass+"@"+ts.http+"/radio.ogg", "application/ogg", 440, 35*time.Second)
	waitOnAirFrom(t, ts, "/radio.ogg", src)

	slave, _ := startIcecastSlave(t, ctx, ts.http, testRelayPass)
	if !testenv.Poll(slaveInterval*time.Second+15*time.Second, func() bool {
		return slices.Equal(icecastMounts(slave), []string{"/radio.ogg"})
	}) {
		t.Fatalf("icecast2 lists %q, want /radio.ogg", icecastMounts(slave))
	}
	pcm, errs := decodeOgg(ctx, "http://"+slave+"/radio.ogg", 3*time.Second)
	if errs != "" {
		t.Errorf("ffmpeg on icecast2 reported: %s", errs)
	}
	if got, want := len(pcm), 3*44100*4; got < want*9/10 {
		t.Errorf("%.1f s of audio of 3 from icecast2", float64(got)/44100/4)
	}
	checkTone(t, pcm, "icecast2's listener", 440, fixtureLevel)
	var title string
	if !testenv.Poll(10*time.Second, func() bool { title = icecastSourceTitle(slave); return title == "Ogg Artist - Ogg Song" }) {
		t.Errorf("icecast2 shows the title %q, want the stream's comments' Ogg Artist - Ogg Song", title)
	}
}
