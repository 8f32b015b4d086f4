package broadcast

// OnAir as an Icecast master, with Debian's icecast2 2.4 as the slave: it
// reads /admin/streamlist.txt as user relay, pulls every mount listed with
// the same credentials, and passes the stream and its ICY titles on to its
// own listeners.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// slaveInterval is icecast2's <master-update-interval> in the test, in
// seconds: small, so that a mount's arrival shows quickly.
const slaveInterval = 2

// freePort returns a loopback port free a moment ago, for a program that
// must be told its port (icecast2 takes it from its XML).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startIcecastSlave runs icecast2 as a slave of the OnAir at master and
// returns its host:port.
func startIcecastSlave(t *testing.T, ctx context.Context, master, relayPassword string) (addr string, errorLog func() string) {
	t.Helper()
	host, mport, _ := net.SplitHostPort(master)
	return startIcecast(t, ctx, fmt.Sprintf(`<master-server>%s</master-server>
  <master-server-port>%s</master-server-port>
  <master-update-interval>%d</master-update-interval>
  <master-username>relay</master-username>
  <master-password>%s</master-password>
  <relays-on-demand>0</relays-on-demand>`, host, mport, slaveInterval, relayPassword))
}

// startIcecast runs icecast2 on a free loopback port, its source password
// "slave-source", with extra in its configuration, and returns its
// host:port.
func startIcecast(t *testing.T, ctx context.Context, extra string) (addr string, errorLog func() string) {
	t.Helper()
	icecast := testenv.RequireTool(t, "icecast2", "icecast2")
	dir := testenv.NobodyDir(t) // icecast2 drops root for nobody and writes its logs here
	port := freePort(t)
	owner := ""
	if os.Geteuid() == 0 {
		owner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>"
	}
	conf := fmt.Sprintf(`<icecast>
  <location>loopback</location>
  <admin>nobody@localhost</admin>
  <limits><clients>20</clients><sources>10</sources><source-timeout>10</source-timeout></limits>
  <authentication>
    <source-password>slave-source</source-password>
    <relay-password>slave-relay</relay-password>
    <admin-user>admin</admin-user>
    <admin-password>slave-admin</admin-password>
  </authentication>
  %s
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths>
    <basedir>/usr/share/icecast2</basedir>
    <logdir>%s</logdir>
    <webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot>
    <pidfile>%s/icecast.pid</pidfile>
  </paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>4</loglevel></logging>
  <security><chroot>0</chroot>%s</security>
</icecast>
`, extra, port, dir, dir, owner)
	xml := filepath.Join(dir, "icecast.xml")
	if err := os.WriteFile(xml, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	errorLog = func() string {
		b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		return string(b)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("icecast2's error.log:\n%s", tail(errorLog(), 8000))
		}
	})
	startProgram(t, "icecast2", exec.CommandContext(ctx, icecast, "-c", xml))
	return "127.0.0.1:" + strconv.Itoa(port), errorLog
}

// icecastMounts lists the mounts icecast2's /status-json.xsl shows, by
// their listen URLs' paths; nil when it does not answer.
func icecastMounts(addr string) []string {
	cl := http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get("http://" + addr + "/status-json.xsl")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	// Icecast makes source an object for one mount and an array for more.
	var st struct {
		Icestats struct {
			Source json.RawMessage `json:"source"`
		} `json:"icestats"`
	}
	if json.NewDecoder(resp.Body).Decode(&st) != nil {
		return nil
	}
	type src struct {
		ListenURL string `json:"listenurl"`
	}
	var list []src
	if json.Unmarshal(st.Icestats.Source, &list) != nil {
		var one src
		if json.Unmarshal(st.Icestats.Source, &one) == nil && one.ListenURL != "" {
			list = []src{one}
		}
	}
	out := []string{}
	for _, s := range list {
		if i := strings.Index(s.ListenURL, "://"); i >= 0 {
			rest := s.ListenURL[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				out = append(out, rest[j:])
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestIcecastSlaveMirrorsOnAir(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ts := startServer(t, func(o *Options) {
		o.RelayPassword = testRelayPass
		o.Mounts = []MountConfig{
			{Path: "/stream"},
			{Path: "/relay"},
			{Path: "/secret", Settings: MountSettings{Hidden: true}},
		}
	})
	for _, m := range []string{"/stream", "/relay", "/secret"} {
		ffmpegSource(t, ctx, 440, 60*time.Second, "icecast://source:"+testSourcePass+"@"+ts.http+m)
	}
	for _, m := range []string{"/stream", "/relay", "/secret"} {
		waitOnAir(t, ts, m)
	}
	setTitle(t, ts, "/stream", "Relay Test - First")

	slave, _ := startIcecastSlave(t, ctx, ts.http, testRelayPass)
	// The first list is read at start; allow one interval more for a slow
	// start, and the pulls to connect.
	want := []string{"/relay", "/stream"}
	var got []string
	if !testenv.Poll(slaveInterval*time.Second+15*time.Second, func() bool {
		got = icecastMounts(slave)
		return slices.Equal(got, want)
	}) {
		t.Fatalf("icecast2 lists %q, want %q (and never the hidden /secret)", got, want)
	}
	t.Logf("icecast2 mirrors %q %.1f s after it started", got, time.Since(start).Seconds())

	// A mount that comes on air later (a source's own, unlisted) shows within one update interval
	// (and the time its pull takes to connect).
	ffmpegSource(t, ctx, 440, 60*time.Second, "icecast://source:"+testSourcePass+"@"+ts.http+"/late")
	waitOnAir(t, ts, "/late")
	onAir := time.Now()
	want = []string{"/late", "/relay", "/stream"}
	if !testenv.Poll(slaveInterval*time.Second+5*time.Second, func() bool {
		got = icecastMounts(slave)
		return slices.Equal(got, want)
	}) {
		t.Fatalf("%v after /late came on air, icecast2 lists %q, want %q", time.Since(onAir).Round(time.Millisecond), got, want)
	}
	t.Logf("icecast2 mirrors /late %.1f s after it came on air", time.Since(onAir).Seconds())

	// OnAir sees icecast2's pulls as relays, not listeners.
	var relays []ListenerInfo
	if !testenv.Poll(10*time.Second, func() bool {
		relays = relays[:0]
		for _, l := range ts.ListenerList("") {
			if l.Relay {
				relays = append(relays, l)
			}
		}
		return len(relays) == 3
	}) {
		b, _ := json.Marshal(ts.ListenerList(""))
		t.Fatalf("want icecast2's three pulls as relays; OnAir's listeners: %s", b)
	}
	for _, l := range ts.ListenerList("") {
		if !l.Relay {
			t.Errorf("a pull not marked as a relay: %+v", l)
		}
		if l.Mount == "/secret" {
			t.Errorf("icecast2 pulls the hidden mount: %+v", l)
		}
	}
	if !strings.Contains(relays[0].UserAgent, "Icecast") {
		t.Errorf("relay user agent %q", relays[0].UserAgent)
	}

	// A listener on icecast2 hears OnAir's tone...
	assertTone(t, ctx, "http://"+slave+"/stream", 3*time.Second, 440, ffmpegSourceLevel)
	// ...while OnAir, which counts listeners at once here, counts none.
	if n := ts.Listeners(); n != 0 {
		t.Errorf("OnAir counts %d listeners with only icecast2's relays connected", n)
	}

	// ...and sees OnAir's titles as they change.
	l := listen(t, &testServer{http: slave}, "/stream", true)
	if !strings.Contains(l.status, "200") || l.metaint == 0 {
		t.Fatalf("listener on icecast2: %q %v", l.status, l.headers)
	}
	waitTitles(t, l, 200_000, "Relay Test - First")
	changed := time.Now()
	setTitle(t, ts, "/stream", "Relay Test - Second")
	waitTitles(t, l, 400_000, "Relay Test - Second")
	t.Logf("a title change on OnAir reached icecast2's listener in %.1f s", time.Since(changed).Seconds())
	t.Logf("whole test: %.1f s", time.Since(start).Seconds())
}

// icecastTitle sets mount's title on icecast2 through its admin.
func icecastTitle(t *testing.T, addr, mount, song string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/admin/metadata?mode=updinfo&mount="+mount+"&song="+strings.ReplaceAll(song, " ", "+"), nil)
	req.SetBasicAuth("admin", "slave-admin")
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("icecast2 metadata update: %s", resp.Status)
	}
}

// icecastList reads icecast2's streamlist.txt as user with pass.
func icecastList(addr, user, pass string) (int, string) {
	req, _ := http.NewRequest("GET", "http://"+addr+"/admin/streamlist.txt", nil)
	req.SetBasicAuth(user, pass)
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// OnAir as the slave: it follows icecast2's streamlist.txt as user relay
// with icecast2's <relay-password>, and its listener hears icecast2's
// source and sees the titles set there.
func TestOnAirFollowsIcecastMaster(t *testing.T) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	ice, _ := startIcecast(t, ctx, "")
	testenv.WaitFor(t, "icecast2 answers", func() bool { return icecastMounts(ice) != nil })
	ffmpegSource(t, ctx, 440, 60*time.Second, "icecast://source:slave-source@"+ice+"/ice")
	if !testenv.Poll(15*time.Second, func() bool { return slices.Equal(icecastMounts(ice), []string{"/ice"}) }) {
		t.Fatalf("icecast2 lists %q", icecastMounts(ice))
	}
	// Which credentials icecast2 2.4's list takes: only user relay with
	// its <relay-password>; not even the admin's.
	for _, c := range []struct {
		user, pass string
		want       int
	}{{"relay", "slave-relay", 200}, {"admin", "slave-admin", 401}, {"relay", "wrong", 401}, {"source", "slave-source", 401}} {
		code, body := icecastList(ice, c.user, c.pass)
		if code != c.want {
			t.Errorf("icecast2's streamlist.txt as %s:%s: %d %q, want %d", c.user, c.pass, code, body, c.want)
		}
		if code == 200 && strings.TrimSpace(body) != "/ice" {
			t.Errorf("icecast2's streamlist.txt: %q", body)
		}
	}

	edge := startServer(t, func(o *Options) {
		o.Mounts = []MountConfig{{Path: "/local"}}
		o.DefaultMount = "/local"
		o.RelayMaster = MasterConfig{URL: "http://" + ice, User: "relay", Password: "slave-relay", Interval: time.Second}
	})
	waitMasterRelays(t, edge, RelayConnected, "/ice")
	t.Logf("OnAir relays icecast2's /ice %.1f s into the test", time.Since(start).Seconds())
	assertTone(t, ctx, "http://"+edge.http+"/ice", 3*time.Second, 440, ffmpegSourceLevel)

	l := listen(t, edge, "/ice", true)
	if !strings.Contains(l.status, "200") || l.metaint == 0 {
		t.Fatalf("listener on OnAir: %q %v", l.status, l.headers)
	}
	icecastTitle(t, ice, "/ice", "Icecast Master - First")
	waitTitles(t, l, 400_000, "Icecast Master - First")
	changed := time.Now()
	icecastTitle(t, ice, "/ice", "Icecast Master - Second")
	waitTitles(t, l, 400_000, "Icecast Master - Second")
	t.Logf("a title set on icecast2 reached OnAir's listener in %.1f s; whole test %.1f s",
		time.Since(changed).Seconds(), time.Since(start).Seconds())
}
