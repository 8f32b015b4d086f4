package broadcast

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric descriptions. Every value is read from the server's own state when
// Prometheus scrapes, so the streaming path pays nothing for them.
var (
	descListeners = prometheus.NewDesc("onair_listeners",
		"Listeners on the mount, counted once they have stayed count_after.",
		[]string{"mount"}, nil)
	descHLSListeners = prometheus.NewDesc("onair_hls_listeners",
		"HLS listeners on the mount: distinct address and User-Agent pairs that fetched its playlist within two segment times.",
		[]string{"mount"}, nil)
	descConnections = prometheus.NewDesc("onair_listener_connections",
		"Open listener connections on the mount, counted or not yet.",
		[]string{"mount"}, nil)
	descPeak = prometheus.NewDesc("onair_listeners_peak",
		"Most counted listeners on the mount at once since it was made.",
		[]string{"mount"}, nil)
	descHits = prometheus.NewDesc("onair_listener_connects_total",
		"Listener connections the mount has accepted since it was made.",
		[]string{"mount"}, nil)
	descSourceConnected = prometheus.NewDesc("onair_source_connected",
		"1 while a source or station encoder feeds the mount, else 0.",
		[]string{"mount"}, nil)
	descBytesIn = prometheus.NewDesc("onair_source_received_bytes_total",
		"Audio bytes written to the mount by its sources.",
		[]string{"mount"}, nil)
	descBytesOut = prometheus.NewDesc("onair_sent_bytes_total",
		"Bytes sent to the mount's listeners, headers and ICY metadata included.",
		[]string{"mount"}, nil)

	descServerListeners = prometheus.NewDesc("onair_server_listeners",
		"Counted listeners on the whole server.", nil, nil)
	descUptime = prometheus.NewDesc("onair_uptime_seconds",
		"Seconds since the server started.", nil, nil)
	descRefused = prometheus.NewDesc("onair_connections_refused_total",
		"Connections refused: per_ip over max_connections_per_ip, server_full over the server's max_listeners, mount_full over a mount's max_listeners, bandwidth over max_bandwidth_kbps.",
		[]string{"reason"}, nil)
	descDropped = prometheus.NewDesc("onair_listeners_dropped_total",
		"Listeners disconnected by the server: slow ones that fell behind or stopped reading, kicked ones an admin removed.",
		[]string{"reason"}, nil)
	descSourcesRefused = prometheus.NewDesc("onair_sources_refused_total",
		"Source connections refused: wrong password, mount busy or unknown.",
		nil, nil)
	descLoginsFailed = prometheus.NewDesc("onair_logins_failed_total",
		"Logins refused for a wrong user name or password, by door: source (source clients), admin (Icecast's /admin, /metrics, SHOUTcast's admin.cgi), console (the console and /api), relay (/admin/streamlist.txt and relay pulls).",
		[]string{"door"}, nil)
	descLoginRefusals = prometheus.NewDesc("onair_login_refusals_total",
		"Logins refused after their credentials were checked, by door and reason: wrong_password, unknown_user, not_admin (an account that is no admin), error (the check failed). The console's refusals are counted in onair_logins_failed_total only.",
		[]string{"door", "reason"}, nil)
	descEncoderDropped = prometheus.NewDesc("onair_encoder_dropped_blocks_total",
		"Blocks of a station's mix its encoder for the mount lost by falling behind, by mount.",
		[]string{"mount"}, nil)
	descLoginsThrottled = prometheus.NewDesc("onair_logins_throttled_total",
		"Logins refused without a look at the password (429) because the client's address failed too often, by door.",
		[]string{"door"}, nil)
)

// metricsCollector exports a Server's mounts and counters to Prometheus.
type metricsCollector struct{ s *Server }

// Describe sends every metric description the collector may send.
func (c metricsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descListeners, descHLSListeners, descConnections, descPeak, descHits, descSourceConnected,
		descBytesIn, descBytesOut, descServerListeners, descUptime, descRefused,
		descDropped, descSourcesRefused, descLoginsFailed, descLoginsThrottled,
		descLoginRefusals, descEncoderDropped,
	} {
		ch <- d
	}
}

// Collect reads the server's state as it is now.
func (c metricsCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for _, m := range s.MountList() {
		p := m.Path
		gauge(descListeners, float64(m.Listeners()), p)
		gauge(descHLSListeners, float64(m.HLSListeners()), p)
		gauge(descConnections, float64(m.connections.Load()), p)
		gauge(descPeak, float64(m.PeakListeners()), p)
		counter(descHits, m.hits.Load(), p)
		on := 0.0
		if m.OnAir() {
			on = 1
		}
		gauge(descSourceConnected, on, p)
		counter(descBytesIn, m.bytesIn.Load(), p)
		counter(descBytesOut, m.bytesOut(), p)
		if s.opts.Programs != nil {
			if pr, ok := s.opts.Programs.Program(p); ok {
				counter(descEncoderDropped, pr.DroppedBlocks, p)
			}
		}
	}
	st := s.Counters()
	gauge(descServerListeners, float64(s.Listeners()))
	gauge(descUptime, time.Since(s.started).Seconds())
	counter(descRefused, st.RefusedPerIP.Load(), "per_ip")
	counter(descRefused, st.RefusedFull.Load(), "server_full")
	counter(descRefused, st.RefusedMountFull.Load(), "mount_full")
	counter(descRefused, st.RefusedBandwidth.Load(), "bandwidth")
	counter(descRefused, st.RefusedBanned.Load(), "banned")
	counter(descDropped, st.DroppedSlow.Load(), "slow")
	counter(descDropped, st.Kicked.Load(), "kicked")
	counter(descSourcesRefused, st.SourcesRefused.Load())
	for d := range numDoors {
		counter(descLoginsFailed, st.LoginsFailed[d].Load(), d.String())
		counter(descLoginsThrottled, st.LoginsThrottled[d].Load(), d.String())
		if d == DoorConsole {
			continue
		}
		for i, reason := range reasons {
			counter(descLoginRefusals, st.LoginRefusals[d][i].Load(), d.String(), reason)
		}
	}
}

// metricsHandler makes the /metrics handler from a registry of the
// server's own: two Servers in one process (tests, a reload) never share
// or collide in the global registry.
func (s *Server) metricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		metricsCollector{s},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// handleMetrics is GET /metrics: Prometheus text, behind the admin's
// credentials unless PublicMetrics.
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if !s.opts.PublicMetrics && !s.adminAuth(w, r) {
		return
	}
	s.metrics.ServeHTTP(w, r)
}
