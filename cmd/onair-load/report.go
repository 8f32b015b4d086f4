package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// Report is what a run found. Durations are in milliseconds, rates in
// bytes per second, memory in KiB.
type Report struct {
	URL        string  `json:"url"`
	Listeners  int     `json:"listeners"`
	Rate       int     `json:"rate_bytes_per_sec"`
	StreamRate int     `json:"stream_bytes_per_sec"` // given, or from a first frame header; 0 = unknown
	Ramp       float64 `json:"ramp_per_sec"`
	RampMS     float64 `json:"ramp_ms"`
	SteadyMS   float64 `json:"steady_ms"`

	Connects struct {
		Attempted int            `json:"attempted"`
		Succeeded int            `json:"succeeded"`
		Failed    int            `json:"failed"`
		Reasons   map[string]int `json:"reasons"`
	} `json:"connects"`
	Drops struct {
		Total    int            `json:"total"`
		Reasons  map[string]int `json:"reasons"`
		Examples []string       `json:"examples,omitempty"` // streams cut short or changing format (-reconnect)
	} `json:"drops"`
	Held struct {
		SteadyStart int64 `json:"steady_start"`
		SteadyEnd   int64 `json:"steady_end"`
	} `json:"held"`
	Slow  int     `json:"slow"`
	Lag   Latency `json:"lag"` // each listener's worst lag behind the stream's pace
	Times struct {
		Connect    Latency `json:"connect"`
		Headers    Latency `json:"headers"`
		FirstAudio Latency `json:"first_audio"`
	} `json:"times"`
	Throughput struct {
		Total        float64 `json:"total_bytes_per_sec"`
		Target       float64 `json:"target_bytes_per_sec"` // listeners held × the expected pace
		PerListener  Spread  `json:"per_listener"`
		BytesTotal   int64   `json:"bytes_total"`
		ExpectedPace int     `json:"expected_pace"` // min(rate, stream rate)
	} `json:"throughput"`
	Framing struct {
		Errors          int      `json:"errors"` // ICY framing broken: the listener was dropped
		Examples        []string `json:"examples"`
		Unsynced        int      `json:"unsynced"` // bodies not starting on a frame header
		UnsyncedExample string   `json:"unsynced_example,omitempty"`
		Blocks          int64    `json:"blocks_checked"`
		Titles          int64    `json:"titles"`
	} `json:"framing"`
	Reconnect *ReconnectReport         `json:"reconnect,omitempty"` // with -reconnect
	Server    *ServerReport            `json:"server,omitempty"`
	Watched   map[string]*ServerReport `json:"watched,omitempty"` // -watch
	Logs      map[string]*LogCount     `json:"logs,omitempty"`    // -count-log
	Tool      struct {
		CPUSeconds float64 `json:"cpu_seconds"` // over the steady window
		RSSKiB     int64   `json:"rss_kib"`
		Workers    int     `json:"workers"`
		TickMS     float64 `json:"tick_ms"`
		MaxPassMS  float64 `json:"max_pass_ms"`
		Overruns   int     `json:"overruns"` // passes longer than a tick: the tool fell behind
	} `json:"tool"`
}

// Latency is a distribution of times in milliseconds.
type Latency struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

// Spread is a distribution of rates, low end first: a slow listener is the
// one to see.
type Spread struct {
	N    int     `json:"n"`
	Min  float64 `json:"min"`
	P1   float64 `json:"p1"`
	P50  float64 `json:"p50"`
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

// ServerReport is the watched server's cost over the steady window.
type ServerReport struct {
	PID                   int     `json:"pid"`
	CPUSeconds            float64 `json:"cpu_seconds"`
	CPUPerListenerHour    float64 `json:"cpu_seconds_per_listener_hour"`
	RSSIdleKiB            int64   `json:"rss_idle_kib"` // before the first listener
	RSSLoadKiB            int64   `json:"rss_load_kib"` // at the end of the steady window
	RSSPerListenerKiB     float64 `json:"rss_per_listener_kib"`
	AverageListenersHeld  float64 `json:"average_listeners_held"`
	SteadySeconds         float64 `json:"steady_seconds"`
	CPUUtilisationPercent float64 `json:"cpu_percent"`
}

// serverWindow holds the server samples of a run.
type serverWindow struct{ idle, start, end procSample }

func (s serverWindow) summary(pid int, steady time.Duration, held0, held1 int64) *ServerReport {
	avg := float64(held0+held1) / 2
	sr := &ServerReport{
		PID:                  pid,
		CPUSeconds:           s.end.CPUSeconds - s.start.CPUSeconds,
		RSSIdleKiB:           s.idle.RSSKiB,
		RSSLoadKiB:           s.end.RSSKiB,
		AverageListenersHeld: avg,
		SteadySeconds:        steady.Seconds(),
	}
	if steady > 0 {
		sr.CPUUtilisationPercent = 100 * sr.CPUSeconds / steady.Seconds()
	}
	if avg > 0 && steady > 0 {
		sr.CPUPerListenerHour = sr.CPUSeconds / (avg * steady.Hours())
	}
	if held1 > 0 {
		sr.RSSPerListenerKiB = float64(sr.RSSLoadKiB-sr.RSSIdleKiB) / float64(held1)
	}
	return sr
}

// report adds up the workers' counts.
func (r *runner) report(ramp, steady time.Duration, held0, held1 int64) *Report {
	cfg := r.cfg
	rep := &Report{URL: cfg.URL, Listeners: cfg.Listeners, Rate: cfg.Rate, Ramp: cfg.Ramp,
		RampMS: ms(ramp), SteadyMS: ms(steady)}
	rep.Connects.Attempted = int(r.connected.Load() + r.failed.Load())
	rep.Connects.Succeeded = int(r.connected.Load())
	rep.Connects.Failed = int(r.failed.Load())
	rep.Connects.Reasons = r.fails
	rep.Held.SteadyStart, rep.Held.SteadyEnd = held0, held1

	var connect, headers, first []time.Duration
	for _, t := range r.timing {
		if t.connect > 0 {
			connect = append(connect, t.connect)
		}
		if t.headers > 0 {
			headers = append(headers, t.headers)
		}
		if t.firstAudio > 0 {
			first = append(first, t.firstAudio)
		}
	}
	rep.Times.Connect = latency(connect)
	rep.Times.Headers = latency(headers)
	rep.Times.FirstAudio = latency(first)

	rep.Drops.Reasons = map[string]int{}
	var lag []int64
	var tput []float64
	rep.Throughput.BytesTotal = r.handshakeBytes.Load()
	for _, w := range r.workers {
		st := &w.stats
		for k, v := range st.drops {
			rep.Drops.Reasons[k] += v
			rep.Drops.Total += v
		}
		for _, m := range st.dropMsgs {
			if len(rep.Drops.Examples) < 5 {
				rep.Drops.Examples = append(rep.Drops.Examples, m)
			}
		}
		rep.Framing.Errors += st.framing
		for _, m := range st.framingMsgs {
			if len(rep.Framing.Examples) < 5 {
				rep.Framing.Examples = append(rep.Framing.Examples, m)
			}
		}
		rep.Framing.Unsynced += st.unsynced
		if rep.Framing.UnsyncedExample == "" {
			rep.Framing.UnsyncedExample = st.unsyncedMsg
		}
		rep.Framing.Blocks += st.blocks
		rep.Framing.Titles += st.titles
		rep.Slow += st.slow
		rep.Throughput.BytesTotal += st.totalBytes
		lag = append(lag, st.lag...)
		tput = append(tput, st.throughput...)
		rep.Tool.MaxPassMS = max(rep.Tool.MaxPassMS, ms(st.maxPass))
		rep.Tool.Overruns += st.overruns
	}
	if rep.Framing.Examples == nil {
		rep.Framing.Examples = []string{}
	}
	lagD := make([]time.Duration, len(lag))
	for i, v := range lag {
		lagD[i] = time.Duration(v)
	}
	rep.Lag = latency(lagD)
	rep.StreamRate = cfg.StreamRate
	if rep.StreamRate == 0 {
		rep.StreamRate = r.streamRate()
	}
	pace := cfg.Rate
	if rep.StreamRate > 0 && rep.StreamRate < pace {
		pace = rep.StreamRate
	}
	rep.Throughput.ExpectedPace = pace
	// Each listener's rate is over its own window (its first to its last
	// steady tick); the total is their sum.
	for _, v := range tput {
		rep.Throughput.Total += v
	}
	rep.Throughput.Target = float64(held1) * float64(pace)
	rep.Throughput.PerListener = spread(tput)
	rep.Tool.Workers = cfg.Workers
	rep.Tool.TickMS = ms(cfg.Tick)
	if cfg.Reconnect {
		rep.Reconnect = r.rec.report()
	}
	return rep
}

// streamRate is the bitrate the stream's first frame header gave, as
// recorded by any listener.
func (r *runner) streamRate() int {
	for _, w := range r.workers {
		if w.stats.streamRate > 0 {
			return w.stats.streamRate
		}
	}
	return 0
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// latency summarises durations by nearest rank.
func latency(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	at := func(p float64) float64 {
		i := int(p*float64(len(d))+0.999999) - 1
		return ms(d[min(max(i, 0), len(d)-1)])
	}
	return Latency{N: len(d), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(d[len(d)-1])}
}

func spread(v []float64) Spread {
	if len(v) == 0 {
		return Spread{}
	}
	sort.Float64s(v)
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	at := func(p float64) float64 {
		i := int(p*float64(len(v))+0.999999) - 1
		return v[min(max(i, 0), len(v)-1)]
	}
	return Spread{N: len(v), Min: v[0], P1: at(0.01), P50: at(0.50), Mean: sum / float64(len(v)), Max: v[len(v)-1]}
}

// WriteText prints the report for people.
func (rep *Report) WriteText(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	stream := "unknown"
	if rep.StreamRate > 0 {
		stream = fmt.Sprintf("%d B/s (%d kbps)", rep.StreamRate, rep.StreamRate*8/1000)
	}
	ramp := "all at once"
	if rep.Ramp > 0 {
		ramp = fmt.Sprintf("%g/s", rep.Ramp)
	}
	p("%s: %d listeners reading at most %d B/s; stream %s; ramp %s took %.1f s; steady window %.1f s",
		rep.URL, rep.Listeners, rep.Rate, stream, ramp, rep.RampMS/1000, rep.SteadyMS/1000)
	p("connects     attempted %d, succeeded %d, failed %d%s", rep.Connects.Attempted,
		rep.Connects.Succeeded, rep.Connects.Failed, reasons(rep.Connects.Reasons))
	p("drops        %d%s", rep.Drops.Total, reasons(rep.Drops.Reasons))
	for _, m := range rep.Drops.Examples {
		p("             %s", m)
	}
	if rc := rep.Reconnect; rc != nil {
		p("ended        %d streams ended cleanly by the server: %d reconnected, %d gave up%s, %d still trying; %d retries%s",
			rc.Ended, rc.Reconnected, rc.Failed, reasons(rc.FailReasons), rc.Pending, sum(rc.Retries), reasons(rc.Retries))
		p("reconnect    %s", rc.Time)
	}
	p("held         %d at the start of the steady window, %d at its end", rep.Held.SteadyStart, rep.Held.SteadyEnd)
	p("slow         %d (fell more than the slack behind the stream's pace)", rep.Slow)
	p("worst lag    %s", rep.Lag)
	p("connect      %s", rep.Times.Connect)
	p("headers      %s", rep.Times.Headers)
	p("first audio  %s", rep.Times.FirstAudio)
	t := rep.Throughput
	p("throughput   %.0f B/s in all, listeners held to the end (target %.0f = held × %d B/s)",
		t.Total, t.Target, t.ExpectedPace)
	s := t.PerListener
	p("per listener min %.0f  p1 %.0f  p50 %.0f  mean %.0f  max %.0f B/s over %d listeners", s.Min, s.P1, s.P50, s.Mean, s.Max, s.N)
	p("framing      %d errors; %d ICY blocks checked, %d with a title", rep.Framing.Errors, rep.Framing.Blocks, rep.Framing.Titles)
	for _, m := range rep.Framing.Examples {
		p("             %s", m)
	}
	p("frame sync   %d bodies did not start on a frame header", rep.Framing.Unsynced)
	if rep.Framing.UnsyncedExample != "" {
		p("             %s", rep.Framing.UnsyncedExample)
	}
	if sr := rep.Server; sr != nil {
		p("server       pid %d: %.2f CPU-s in %.1f s (%.1f%% CPU) = %.4f CPU-s per listener-hour; RSS %d KiB idle, %d KiB loaded = %.2f KiB per listener",
			sr.PID, sr.CPUSeconds, sr.SteadySeconds, sr.CPUUtilisationPercent, sr.CPUPerListenerHour,
			sr.RSSIdleKiB, sr.RSSLoadKiB, sr.RSSPerListenerKiB)
	}
	tl := rep.Tool
	p("load tool    %.2f CPU-s in the steady window, RSS %d KiB; %d workers, slowest pass %.1f ms of a %.0f ms tick, %d overruns",
		tl.CPUSeconds, tl.RSSKiB, tl.Workers, tl.MaxPassMS, tl.TickMS, tl.Overruns)
}

func (l Latency) String() string {
	if l.N == 0 {
		return "-"
	}
	return fmt.Sprintf("p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms  (n=%d)", l.P50, l.P95, l.P99, l.Max, l.N)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// reasons formats counts by reason, largest first.
func reasons(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	var sb strings.Builder
	sb.WriteString(" (")
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s: %d", k, m[k])
	}
	sb.WriteString(")")
	return sb.String()
}
