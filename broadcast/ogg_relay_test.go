package broadcast

import (
	"context"
	"fmt"
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
