package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"onair/codec/mpeg"
)

// HLS mode (-hls): each listener is a goroutine that plays the live
// playlist at -url as hls.js does. It fetches the playlist, starts three
// segments from the live edge, fetches every segment once in order, and
// fetches the playlist again after a target duration when it brought a new
// segment, after half of one when it did not. Every segment is checked: an
// ID3v2 tag first, then whole MP3 frames to its end. All listeners share one
// http.Transport with an idle connection each, so every listener keeps its
// own keep-alive connection, as separate players would.

// Errors an HLS listener can meet.
var (
	ErrNoID3      = errors.New("segment does not start with an ID3 tag")
	ErrSegmentCut = errors.New("segment ends inside a frame")
	ErrNoFrames   = errors.New("segment holds no MP3 frame")
	ErrPlaylist   = errors.New("not a media playlist")
	ErrEnded      = errors.New("playlist ended (EXT-X-ENDLIST)")
)

// liveEdgeSegments is how far from the live edge a listener starts, in
// segments: hls.js's default liveSyncDurationCount.
const liveEdgeSegments = 3

// HLSReport is what an HLS run found. Durations are in milliseconds.
type HLSReport struct {
	URL       string  `json:"url"`
	Listeners int     `json:"listeners"`
	Ramp      float64 `json:"ramp_per_sec"`
	RampMS    float64 `json:"ramp_ms"`
	SteadyMS  float64 `json:"steady_ms"`

	Started  int            `json:"started"` // got a first playlist
	Failed   int            `json:"failed"`  // did not
	Reasons  map[string]int `json:"reasons"` // of every failed request, first ones included
	Examples []string       `json:"examples"`
	Playing  int64          `json:"playing_at_end"` // listeners still running when the window ended

	// Over the steady window only.
	Steady struct {
		Playlists       int64   `json:"playlists"`
		Segments        int64   `json:"segments"`
		Bytes           int64   `json:"bytes"`
		Errors          int64   `json:"errors"`           // failed requests
		BadSegments     int64   `json:"bad_segments"`     // not ID3 then whole MP3 frames
		Missed          int64   `json:"missed_segments"`  // gone from the playlist before fetched
		RequestsPerSec  float64 `json:"requests_per_sec"` // playlists + segments
		SegmentsPerList float64 `json:"segments_per_listener"`
		Playlist        Latency `json:"playlist_time"`
		Segment         Latency `json:"segment_time"`
	} `json:"steady"`
	TargetDuration int `json:"target_duration"` // from the first playlist

	Server  *ServerReport            `json:"server,omitempty"`
	Watched map[string]*ServerReport `json:"watched,omitempty"`
	Logs    map[string]*LogCount     `json:"logs,omitempty"`
	Tool    struct {
		CPUSeconds float64 `json:"cpu_seconds"`
		RSSKiB     int64   `json:"rss_kib"`
	} `json:"tool"`
}

// hlsRun is one HLS run in progress.
type hlsRun struct {
	cfg    Config
	client *http.Client
	base   *url.URL
	steady atomic.Bool

	started, failed, playing                      atomic.Int64
	playlists, segments, bytes, errs, bad, missed atomic.Int64
	target                                        atomic.Int64
	mu                                            sync.Mutex
	reasons                                       map[string]int
	examples                                      []string
	playlistTimes, segmentTimes                   []time.Duration
}

// RunHLS holds cfg.Listeners HLS listeners on the playlist at cfg.URL.
func RunHLS(ctx context.Context, cfg Config) (*HLSReport, error) {
	base, err := url.Parse(cfg.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("-url %q: want http://host:port/MOUNT.m3u8", cfg.URL)
	}
	if cfg.Listeners < 1 || cfg.Ramp < 0 || cfg.ConnectTimeout <= 0 {
		return nil, errors.New("-n must be at least 1, -ramp not negative, -connect-timeout positive")
	}
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: cfg.ConnectTimeout}).DialContext,
		MaxIdleConns:        cfg.Listeners + 16,
		MaxIdleConnsPerHost: cfg.Listeners + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	h := &hlsRun{cfg: cfg, base: base, reasons: map[string]int{},
		client: &http.Client{Transport: tr, Timeout: cfg.ConnectTimeout}}
	var server serverWindow
	if cfg.PID > 0 {
		if server.idle, err = readProc(strconv.Itoa(cfg.PID)); err != nil {
			return nil, fmt.Errorf("-pid: %w", err)
		}
	}
	watch, err := newWatchers(cfg.Watch, cfg.CountLogs)
	if err != nil {
		return nil, err
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var all, firsts sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < cfg.Listeners && ctx.Err() == nil; i++ {
		if cfg.Ramp > 0 {
			next := t0.Add(time.Duration(float64(i) / cfg.Ramp * float64(time.Second)))
			select {
			case <-ctx.Done():
			case <-time.After(time.Until(next)):
			}
		}
		all.Add(1)
		firsts.Add(1)
		go func() {
			defer all.Done()
			h.listen(runCtx, &firsts)
		}()
	}
	firsts.Wait()
	rampTime := time.Since(t0)
	h.progress("ramp done in %.1fs: %d playing, %d failed", rampTime.Seconds(), h.started.Load(), h.failed.Load())

	// The steady window: counters are read at both ends.
	held0 := h.playing.Load()
	c0 := h.counts()
	server.start, _ = h.sample()
	watch.begin()
	self0, _ := readProc("self")
	steadyStart := time.Now()
	h.steady.Store(true)
	if ctx.Err() == nil {
		h.progress("holding %d HLS listeners for %s", held0, cfg.Duration)
		select {
		case <-ctx.Done():
		case <-time.After(cfg.Duration):
		}
	}
	h.steady.Store(false)
	steady := time.Since(steadyStart)
	server.end, _ = h.sample()
	self1, _ := readProc("self")
	c1 := h.counts()
	held1 := h.playing.Load()
	watched, logs := watch.end(steady, held0, held1)
	cancel()
	all.Wait()

	rep := &HLSReport{URL: cfg.URL, Listeners: cfg.Listeners, Ramp: cfg.Ramp,
		RampMS: ms(rampTime), SteadyMS: ms(steady),
		Started: int(h.started.Load()), Failed: int(h.failed.Load()),
		Reasons: h.reasons, Examples: h.examples, Playing: held1,
		TargetDuration: int(h.target.Load()), Watched: watched, Logs: logs}
	if rep.Examples == nil {
		rep.Examples = []string{}
	}
	s := &rep.Steady
	s.Playlists, s.Segments, s.Bytes = c1[0]-c0[0], c1[1]-c0[1], c1[2]-c0[2]
	s.Errors, s.BadSegments, s.Missed = c1[3]-c0[3], c1[4]-c0[4], c1[5]-c0[5]
	if steady > 0 {
		s.RequestsPerSec = float64(s.Playlists+s.Segments) / steady.Seconds()
	}
	if held1 > 0 {
		s.SegmentsPerList = float64(s.Segments) / float64(held1)
	}
	s.Playlist = latency(h.playlistTimes)
	s.Segment = latency(h.segmentTimes)
	rep.Tool.CPUSeconds = self1.CPUSeconds - self0.CPUSeconds
	rep.Tool.RSSKiB = self1.RSSKiB
	if cfg.PID > 0 {
		rep.Server = server.summary(cfg.PID, steady, held0, held1)
	}
	return rep, nil
}

func (h *hlsRun) progress(format string, args ...any) {
	if h.cfg.Progress != nil {
		fmt.Fprintf(h.cfg.Progress, "onair-load: "+format+"\n", args...)
	}
}

func (h *hlsRun) sample() (procSample, error) {
	if h.cfg.PID <= 0 {
		return procSample{}, nil
	}
	return readProc(strconv.Itoa(h.cfg.PID))
}

func (h *hlsRun) counts() [6]int64 {
	return [6]int64{h.playlists.Load(), h.segments.Load(), h.bytes.Load(),
		h.errs.Load(), h.bad.Load(), h.missed.Load()}
}

// fail records a failed request or a bad segment.
func (h *hlsRun) fail(err error) {
	h.mu.Lock()
	h.reasons[hlsReason(err)]++
	if len(h.examples) < 5 {
		h.examples = append(h.examples, err.Error())
	}
	h.mu.Unlock()
}

func hlsReason(err error) string {
	var se *statusError
	switch {
	case errors.As(err, &se):
		return se.line
	case errors.Is(err, ErrNoID3):
		return "no ID3"
	case badSegment(err):
		return "frames"
	case errors.Is(err, ErrPlaylist):
		return "playlist"
	case errors.Is(err, ErrEnded):
		return "ended"
	}
	return reason(err)
}

// badSegment says whether err is a segment that failed its check (as
// against a request that failed).
func badSegment(err error) bool {
	return errors.Is(err, ErrNoID3) || errors.Is(err, ErrSegmentCut) ||
		errors.Is(err, ErrFrameSync) || errors.Is(err, ErrNoFrames) || errors.Is(err, ErrFormatChange)
}

// listen is one listener, until ctx ends. first is marked done once it
// has its first playlist or has given up on it.
func (h *hlsRun) listen(ctx context.Context, first *sync.WaitGroup) {
	next := int64(-1) // the media sequence number of the next segment to fetch
	var deadline time.Time
	started := false
	defer func() {
		if started {
			h.playing.Add(-1)
		} else {
			first.Done()
		}
	}()
	for ctx.Err() == nil {
		pl, err := h.playlist(ctx)
		if err != nil && ctx.Err() != nil {
			return
		}
		if !started {
			if err != nil {
				if deadline.IsZero() {
					deadline = time.Now().Add(h.cfg.ConnectTimeout)
				}
				if time.Now().After(deadline) || errors.Is(err, ErrEnded) {
					h.failed.Add(1)
					h.fail(err)
					return
				}
				sleepCtx(ctx, 500*time.Millisecond)
				continue
			}
			started = true
			h.started.Add(1)
			h.playing.Add(1)
			h.target.CompareAndSwap(0, int64(pl.target))
			first.Done()
			next = max(pl.seq, pl.seq+int64(len(pl.uris))-liveEdgeSegments)
		}
		wait := time.Duration(pl.target) * time.Second / 2
		if err != nil {
			h.errs.Add(1)
			h.fail(err)
			if errors.Is(err, ErrEnded) {
				return
			}
			sleepCtx(ctx, wait)
			continue
		}
		for i, u := range pl.uris {
			seq := pl.seq + int64(i)
			if seq < next {
				continue
			}
			if seq > next && h.steady.Load() {
				h.missed.Add(seq - next)
			}
			if err := h.segment(ctx, u); err != nil {
				if ctx.Err() != nil {
					return
				}
				if badSegment(err) {
					h.bad.Add(1)
				} else {
					h.errs.Add(1)
				}
				h.fail(err)
			}
			next = seq + 1
			wait = time.Duration(pl.target) * time.Second
		}
		sleepCtx(ctx, wait)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// mediaPlaylist is what a listener needs of a live playlist.
type mediaPlaylist struct {
	target int      // EXT-X-TARGETDURATION, seconds
	seq    int64    // EXT-X-MEDIA-SEQUENCE: the first URI's number
	uris   []string // segment URIs, resolved
}

// get fetches u and returns its body; a status other than 200 is an error.
func (h *hlsRun) get(ctx context.Context, u string) ([]byte, time.Duration, error) {
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	ua := h.cfg.UserAgent
	if ua == "" {
		ua = "onair-load/1 (hls)"
	}
	req.Header.Set("User-Agent", ua)
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, &statusError{line: resp.Status}
	}
	return body, time.Since(t0), nil
}

func (h *hlsRun) playlist(ctx context.Context) (*mediaPlaylist, error) {
	body, d, err := h.get(ctx, h.base.String())
	if err != nil {
		return nil, err
	}
	if h.steady.Load() {
		h.playlists.Add(1)
		h.mu.Lock()
		h.playlistTimes = append(h.playlistTimes, d)
		h.mu.Unlock()
	}
	return parsePlaylist(h.base, body)
}

func (h *hlsRun) segment(ctx context.Context, u string) error {
	body, d, err := h.get(ctx, u)
	if err != nil {
		return err
	}
	if h.steady.Load() {
		h.segments.Add(1)
		h.bytes.Add(int64(len(body)))
		h.mu.Lock()
		h.segmentTimes = append(h.segmentTimes, d)
		h.mu.Unlock()
	}
	if err := checkSegment(body); err != nil {
		return fmt.Errorf("%s: %w", u, err)
	}
	return nil
}

// parsePlaylist reads a live media playlist, resolving its URIs against base.
func parsePlaylist(base *url.URL, body []byte) (*mediaPlaylist, error) {
	pl := &mediaPlaylist{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			if line != "#EXTM3U" {
				return nil, fmt.Errorf("first line %q: %w", line, ErrPlaylist)
			}
			first = false
			continue
		}
		switch {
		case line == "":
		case strings.HasPrefix(line, "#EXT-X-TARGETDURATION:"):
			pl.target, _ = strconv.Atoi(strings.TrimPrefix(line, "#EXT-X-TARGETDURATION:"))
		case strings.HasPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"):
			pl.seq, _ = strconv.ParseInt(strings.TrimPrefix(line, "#EXT-X-MEDIA-SEQUENCE:"), 10, 64)
		case line == "#EXT-X-ENDLIST":
			return nil, ErrEnded
		case strings.HasPrefix(line, "#"):
		default:
			u, err := base.Parse(line)
			if err != nil {
				return nil, fmt.Errorf("URI %q: %w", line, ErrPlaylist)
			}
			pl.uris = append(pl.uris, u.String())
		}
	}
	if first || pl.target < 1 || len(pl.uris) == 0 {
		return nil, fmt.Errorf("no target duration or no segment: %w", ErrPlaylist)
	}
	return pl, nil
}

// checkSegment checks a packed-audio MP3 segment: one ID3v2 tag, then
// whole MP3 frames of one sample rate to the last byte.
func checkSegment(b []byte) error {
	if len(b) < 10 || string(b[:3]) != "ID3" {
		return ErrNoID3
	}
	// The tag's size is syncsafe (7 bits a byte) and leaves out the
	// 10-byte header and the footer, if any.
	size := int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f)
	off := 10 + size
	if b[5]&0x10 != 0 {
		off += 10
	}
	if off > len(b) {
		return fmt.Errorf("ID3 tag of %d bytes in a %d-byte segment: %w", off, len(b), ErrNoID3)
	}
	frames, rate := 0, 0
	for off < len(b) {
		if len(b)-off < mpeg.HeaderSize {
			return fmt.Errorf("byte %d: %w", off, ErrSegmentCut)
		}
		hd, err := mpeg.ParseHeader(b[off : off+mpeg.HeaderSize])
		if err != nil {
			return fmt.Errorf("byte %d, frame %d: %w", off, frames+1, ErrFrameSync)
		}
		if frames == 0 {
			rate = hd.SampleRate
		} else if hd.SampleRate != rate {
			return fmt.Errorf("byte %d: %d Hz after %d Hz: %w", off, hd.SampleRate, rate, ErrFormatChange)
		}
		if off+hd.FrameSize() > len(b) {
			return fmt.Errorf("byte %d, frame %d: %w", off, frames+1, ErrSegmentCut)
		}
		off += hd.FrameSize()
		frames++
	}
	if frames == 0 {
		return ErrNoFrames
	}
	return nil
}

// WriteText prints the report for a person.
func (rep *HLSReport) WriteText(w io.Writer) {
	s := rep.Steady
	fmt.Fprintf(w, "HLS listeners: %d started, %d failed, %d playing at the end (ramp %.1fs, steady %.1fs, target %d s)\n",
		rep.Started, rep.Failed, rep.Playing, rep.RampMS/1000, rep.SteadyMS/1000, rep.TargetDuration)
	fmt.Fprintf(w, "steady: %d playlists, %d segments (%.1f per listener), %.1f requests/s, %d errors, %d bad segments, %d missed\n",
		s.Playlists, s.Segments, s.SegmentsPerList, s.RequestsPerSec, s.Errors, s.BadSegments, s.Missed)
	fmt.Fprintf(w, "playlist time %s; segment time %s\n", s.Playlist, s.Segment)
	if len(rep.Reasons) > 0 {
		fmt.Fprintf(w, "failures: %s\n", reasons(rep.Reasons))
	}
	if rep.Server != nil {
		fmt.Fprintf(w, "server pid %d: %.1f%% CPU, RSS %d KiB\n", rep.Server.PID, rep.Server.CPUUtilisationPercent, rep.Server.RSSLoadKiB)
	}
	for name, p := range rep.Watched {
		fmt.Fprintf(w, "%s pid %d: %.1f%% CPU, RSS %d KiB\n", name, p.PID, p.CPUUtilisationPercent, p.RSSLoadKiB)
	}
	for name, l := range rep.Logs {
		fmt.Fprintf(w, "%s: %d lines (%.1f/s): %d playlists, %d segments, %d other\n", name, l.Lines, l.PerSecond, l.Playlists, l.Segments, l.Other)
	}
}
