package broadcast

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"onair/internal/testenv"
)

// adminHeader is the admin's HTTP Basic credentials, for httpGet.
var adminHeader = []string{"Authorization", "Basic " + basic("admin", testAdminPass)}

func TestMetricsAuth(t *testing.T) {
	for _, tc := range []struct {
		name   string
		public bool
		hdr    []string
		want   int
	}{
		{"no credentials", false, nil, http.StatusUnauthorized},
		{"wrong password", false, []string{"Authorization", "Basic " + basic("admin", "nope")}, http.StatusUnauthorized},
		{"source password", false, []string{"Authorization", "Basic " + basic("source", testSourcePass)}, http.StatusUnauthorized},
		{"admin", false, adminHeader, http.StatusOK},
		{"public, no credentials", true, nil, http.StatusOK},
		{"public, admin", true, adminHeader, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, func(o *Options) { o.PublicMetrics = tc.public })
			resp, body := httpGet(t, "http://"+ts.http+"/metrics", tc.hdr...)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
			if tc.want != http.StatusOK {
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				if strings.Contains(body, "onair_") {
					t.Errorf("refused scrape shows metrics: %q", body)
				}
				return
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type %q, want Prometheus text", ct)
			}
			mfs := parseMetrics(t, body)
			for _, name := range []string{
				"onair_uptime_seconds", "onair_server_listeners", "onair_sources_refused_total",
				"go_goroutines", "process_start_time_seconds",
			} {
				if mfs[name] == nil {
					t.Errorf("no %s in the scrape", name)
				}
			}
			// The configured mounts are there before any source connects.
			for _, mount := range []string{"/stream", "/live"} {
				if v, ok := metricValue(mfs, "onair_source_connected", "mount", mount); !ok || v != 0 {
					t.Errorf("onair_source_connected{mount=%q} = %v, %v; want 0", mount, v, ok)
				}
			}
		})
	}
}

func TestMetricsMount(t *testing.T) {
	ts := startServer(t, nil)
	src := startIcecastSource(t, ts, "/x", "")
	src.send(t, 20)
	testenv.WaitFor(t, "audio on /x", func() bool { m := ts.Mount("/x"); return m != nil && m.HasAudio() })
	l := listen(t, ts, "/x", true)
	if !strings.Contains(l.status, "200") {
		t.Fatalf("listener status %q", l.status)
	}
	l.readFrames(t, 5)

	// Written bytes are added after the write returns, which may be just
	// after the player has read them: poll.
	var mfs map[string]*dto.MetricFamily
	testenv.WaitFor(t, "bytes sent in the scrape", func() bool {
		mfs = scrape(t, ts)
		v, _ := metricValue(mfs, "onair_sent_bytes_total", "mount", "/x")
		return v > 0
	})
	for _, want := range []struct {
		name string
		v    float64
	}{
		{"onair_listener_connections", 1},
		{"onair_listener_connects_total", 1},
		{"onair_listeners", 1},
		{"onair_listeners_peak", 1},
		{"onair_source_connected", 1},
	} {
		if v, ok := metricValue(mfs, want.name, "mount", "/x"); !ok || v != want.v {
			t.Errorf("%s{mount=\"/x\"} = %v (found %v), want %v", want.name, v, ok, want.v)
		}
	}
	if v, _ := metricValue(mfs, "onair_source_received_bytes_total", "mount", "/x"); v <= 0 {
		t.Errorf("onair_source_received_bytes_total{mount=\"/x\"} = %v, want > 0", v)
	}
	if v, _ := metricValue(mfs, "onair_server_listeners"); v != 1 {
		t.Errorf("onair_server_listeners = %v, want 1", v)
	}
	sent, _ := metricValue(mfs, "onair_sent_bytes_total", "mount", "/x")

	// What a listener was sent still counts after it leaves. The server
	// notices it left on its next write, so keep the source going.
	l.conn.Close()
	m := ts.Mount("/x")
	feedUntil(t, "the listener to leave", nil, func() bool { return m.connections.Load() == 0 }, src)
	mfs = scrape(t, ts)
	if v, _ := metricValue(mfs, "onair_listener_connections", "mount", "/x"); v != 0 {
		t.Errorf("onair_listener_connections{mount=\"/x\"} = %v after the listener left, want 0", v)
	}
	if v, _ := metricValue(mfs, "onair_sent_bytes_total", "mount", "/x"); v < sent {
		t.Errorf("onair_sent_bytes_total{mount=\"/x\"} fell from %v to %v when the listener left", sent, v)
	}
	if v, _ := metricValue(mfs, "onair_listener_connects_total", "mount", "/x"); v != 1 {
		t.Errorf("onair_listener_connects_total{mount=\"/x\"} = %v, want 1", v)
	}
}

func TestMetricsRefusedPerIP(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.MaxConnectionsPerIP = 1 })
	// The first connection takes 127.0.0.1's only slot and sends nothing
	// yet; the second is refused. The first then scrapes, since any other
	// connection would be refused (and counted) too.
	first := dial(t, ts.http)
	second := dial(t, ts.http)
	status, err := bufio.NewReader(second).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.0 429") {
		t.Fatalf("second connection got %q, %v; want HTTP/1.0 429", status, err)
	}
	req := "GET /metrics HTTP/1.0\r\nAuthorization: Basic " + basic("admin", testAdminPass) + "\r\n\r\n"
	if _, err := io.WriteString(first, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(first), nil)
	if err != nil {
		t.Fatalf("scrape on the first connection: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: status %d, %v", resp.StatusCode, err)
	}
	mfs := parseMetrics(t, string(body))
	for reason, want := range map[string]float64{"per_ip": 1, "server_full": 0, "mount_full": 0} {
		if v, ok := metricValue(mfs, "onair_connections_refused_total", "reason", reason); !ok || v != want {
			t.Errorf("onair_connections_refused_total{reason=%q} = %v (found %v), want %v", reason, v, ok, want)
		}
	}
}

// scrape gets /metrics with the admin's credentials and parses it.
func scrape(t *testing.T, ts *testServer) map[string]*dto.MetricFamily {
	t.Helper()
	resp, body := httpGet(t, "http://"+ts.http+"/metrics", adminHeader...)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: status %d: %s", resp.StatusCode, body)
	}
	return parseMetrics(t, body)
}

func parseMetrics(t *testing.T, body string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse scrape: %v\n%s", err, body)
	}
	return mfs
}

// metricValue finds the sample of name whose labels include the given
// name/value pairs.
func metricValue(mfs map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue(), true
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue(), true
		default:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}
