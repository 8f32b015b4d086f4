package broadcast

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

func adminGet(t *testing.T, url, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestStatusAndControlEndpoints(t *testing.T) {
	ts := startServer(t, nil)
	base := "http://" + ts.http
	src := startIcecastSource(t, ts, "/live", "ice-name: Test <FM> & Co\r\nice-genre: Jazz\r\nice-bitrate: 128\r\n")
	src.send(t, 60)
	setTitle(t, ts, "/live", "First & <Song>")
	setTitle(t, ts, "/live", "Artist, with comma - Second")
	src.send(t, 20)
	l1 := listen(t, ts, "/live", true)
	l2 := listen(t, ts, "/live", false)
	l1.readFrames(t, 5)
	l2.readFrames(t, 5)
	testenv.WaitFor(t, "2 listeners", func() bool { return ts.Listeners() == 2 })

	t.Run("7.html", func(t *testing.T) {
		_, body := httpGet(t, base+"/7.html?sid=1")
		want := "<html><body>2,1,2,0,1,128,Artist, with comma - Second</body></html>"
		if body != want {
			t.Errorf("got %q, want %q", body, want)
		}
	})
	t.Run("stats", func(t *testing.T) {
		_, body := httpGet(t, base+"/stats?sid=1")
		var st shoutcastStats
		if err := xml.Unmarshal([]byte(body), &st); err != nil {
			t.Fatalf("stats XML: %v\n%s", err, body)
		}
		if st.CurrentListeners != 2 || st.ServerTitle != "Test <FM> & Co" || st.StreamStatus != 1 || st.StreamPath != "/live" {
			t.Errorf("stats %+v", st)
		}
		_, body = httpGet(t, base+"/stats?sid=1&json=1")
		var js map[string]any
		if err := json.Unmarshal([]byte(body), &js); err != nil || js["songtitle"] != "Artist, with comma - Second" {
			t.Errorf("stats json %v %s", err, body)
		}
	})
	t.Run("currentsong and played", func(t *testing.T) {
		if _, body := httpGet(t, base+"/currentsong?sid=1"); body != "Artist, with comma - Second" {
			t.Errorf("currentsong %q", body)
		}
		_, body := httpGet(t, base+"/played.html?sid=1")
		if !strings.Contains(body, "First &amp; &lt;Song&gt;") || strings.Index(body, "Second") > strings.Index(body, "First") {
			t.Errorf("played.html (newest first, escaped): %s", body)
		}
		_, body = httpGet(t, base+"/played.html?sid=1&type=json")
		var played []playedEntry
		if err := json.Unmarshal([]byte(body), &played); err != nil || len(played) != 2 || played[1].Title != "First & <Song>" {
			t.Errorf("played json %v %s", err, body)
		}
	})
	t.Run("admin stats and listmounts", func(t *testing.T) {
		if code, _ := adminGet(t, base+"/admin/stats", "", ""); code != 401 {
			t.Errorf("/admin/stats without credentials: %d", code)
		}
		if code, _ := adminGet(t, base+"/admin/stats", "source", testSourcePass); code != 401 {
			t.Errorf("/admin/stats with source credentials: %d", code)
		}
		code, body := adminGet(t, base+"/admin/stats", "admin", testAdminPass)
		var st xmlIcestats
		if err := xml.Unmarshal([]byte(body), &st); code != 200 || err != nil {
			t.Fatalf("%d %v %s", code, err, body)
		}
		if len(st.Source) != 1 || st.Source[0].Mount != "/live" || st.Source[0].Listeners != 2 || st.Source[0].Title != "Artist, with comma - Second" {
			t.Errorf("admin stats %+v", st.Source)
		}
		_, body = adminGet(t, base+"/admin/listmounts", "admin", testAdminPass)
		if !strings.Contains(body, `<source mount="/live">`) || !strings.Contains(body, "<listeners>2</listeners>") {
			t.Errorf("listmounts %s", body)
		}
	})
	t.Run("listclients and killclient", func(t *testing.T) {
		code, body := adminGet(t, base+"/admin/listclients?mount=/live", "source", testSourcePass)
		var cl xmlClientList
		if err := xml.Unmarshal([]byte(body), &cl); code != 200 || err != nil || len(cl.Source.Listener) != 2 {
			t.Fatalf("listclients %d %v %s", code, err, body)
		}
		id := cl.Source.Listener[0].ID
		if code, _ := adminGet(t, base+"/admin/killclient?mount=/live&id=999999", "admin", testAdminPass); code != 400 {
			t.Errorf("killing an unknown client: %d", code)
		}
		code, body = adminGet(t, base+"/admin/killclient?mount=/live&id="+strconv.FormatUint(id, 10), "admin", testAdminPass)
		if code != 200 || !strings.Contains(body, "removed") {
			t.Fatalf("killclient %d %s", code, body)
		}
		testenv.WaitFor(t, "one listener left", func() bool { return ts.Mount("/live").connections.Load() == 1 })
	})
	t.Run("playlist files", func(t *testing.T) {
		for path, want := range map[string]string{
			"/live.m3u":   "http://" + ts.http + "/live\n",
			"/live.pls":   "File1=http://" + ts.http + "/live\n",
			"/live.xspf":  "<location>http://" + ts.http + "/live</location>",
			"/listen.pls": "File1=http://" + ts.http + "/live\n", // the default mount is off air
		} {
			resp, body := httpGet(t, base+path)
			if resp.StatusCode != 200 || !strings.Contains(body, want) {
				t.Errorf("%s: %d %q, want it to contain %q", path, resp.StatusCode, body, want)
			}
		}
	})
	t.Run("killsource", func(t *testing.T) {
		code, body := adminGet(t, base+"/admin/killsource?mount=/live", "admin", testAdminPass)
		if code != 200 || !strings.Contains(body, "Source Removed") {
			t.Fatalf("killsource %d %s", code, body)
		}
		testenv.WaitFor(t, "source gone", func() bool { return !ts.Mount("/live").OnAir() })
		if code, _ := adminGet(t, base+"/admin/killsource?mount=/nope", "admin", testAdminPass); code != 400 {
			t.Errorf("killsource of an unknown mount: %d", code)
		}
	})
}
