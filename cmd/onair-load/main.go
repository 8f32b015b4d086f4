// Command onair-load holds many listeners on a stream at a real player's
// pace and reports how the server served them.
//
//	onair-load -url http://127.0.0.1:8000/live -n 10000 -ramp 1000 -duration 60s [-pid PID] [-json]
//
// Each listener sends "Icy-MetaData: 1", checks that the body starts with
// an audio frame header and follows the ICY framing byte by byte (icy-metaint
// audio bytes, then a length byte L and L×16 bytes starting StreamTitle=',
// or L = 0), and reads at most -rate bytes of audio per second after taking
// -prebuffer at once, as a player filling its buffer does. Listeners do not
// get a goroutine each: -workers goroutines share them, and on every -tick
// each listener's due bytes are read with one non-blocking read into the
// worker's buffer, so 10,000 listeners cost a few wake-ups per tick.
//
// Connections start at -ramp per second (0: all at once); the steady window
// of -duration begins once every attempt has ended. With -pid, the server's
// CPU time and resident memory are sampled over that window.
//
// A listener is "slow" when the audio it received falls more than -slack
// behind the most it was ever ahead of the stream's pace (-stream-rate, or
// the bitrate in its first frame header; -rate if lower): a player that
// began at the first byte would have stalled. It is dropped ("timeout") when it wants data and
// gets none for -stall-timeout.
//
// With -reconnect, a listener whose stream the server ends cleanly (EOF
// at an MP3 frame boundary, outside an ICY block: a source that came back
// in another format, say) connects again as a player does, after a short
// jittered delay, retrying a 404 while the mount has no source, for at most
// -reconnect-for. Those ends are counted apart from drops (resets, stalls,
// framing errors, a stream cut mid-frame), and the frames are followed
// header by header: a missing header or a change of sample rate on one
// connection drops the listener. Each new connection is checked afresh.
// -report-every prints a JSON line of counts so far (live, drops, ends,
// reconnections, framing errors) on stdout at that interval, before the
// report.
//
// With -hls, -url is a live playlist (http://HOST:PORT/MOUNT.m3u8) and
// each listener is a goroutine that plays it as hls.js does: the playlist
// again after a target duration (half of one when nothing was new), every
// new segment once, each checked for an ID3 tag and whole MP3 frames. The
// report counts requests, errors, bad and missed segments over the steady
// window. -watch NAME=PID samples more processes over the window (an
// origin, a cache), and -count-log NAME=FILE counts the lines an access log
// gained in it, by request: what a server behind a cache really saw.
//
// The exit code is 1 when any listener's ICY framing broke (it is dropped)
// or its body did not start on a frame header (counted; players resync, so
// it carries on), 2 when the run could not start, and 0 otherwise.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain runs the command line and returns the exit code.
func realMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("onair-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	var asJSON, quiet, hls bool
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8000/live", "stream `URL` to listen to")
	fs.IntVar(&cfg.Listeners, "n", 100, "listeners to hold")
	fs.IntVar(&cfg.Rate, "rate", 16<<10, "bytes of audio per second each listener reads at most (16 KiB/s: a 128 kbps player)")
	fs.IntVar(&cfg.StreamRate, "stream-rate", 0, "the stream's bytes per second, for judging lag; 0 = from the first frame header")
	fs.IntVar(&cfg.Prebuffer, "prebuffer", 64<<10, "bytes each listener takes at once on connecting (a player filling its buffer)")
	fs.Float64Var(&cfg.Ramp, "ramp", 500, "connections started per second; 0 = all at once")
	fs.DurationVar(&cfg.Duration, "duration", 60*time.Second, "steady window after the ramp")
	fs.DurationVar(&cfg.Tick, "tick", 500*time.Millisecond, "how often each listener reads its due bytes")
	fs.IntVar(&cfg.Workers, "workers", 8, "goroutines sharing the listeners")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", 15*time.Second, "limit for connect, response headers and first audio byte")
	fs.DurationVar(&cfg.StallTimeout, "stall-timeout", 15*time.Second, "drop a listener that wants data and gets none this long")
	fs.DurationVar(&cfg.Slack, "slack", 2*time.Second, "lag behind the stream's pace beyond which a listener counts as slow")
	fs.IntVar(&cfg.PID, "pid", 0, "server process to sample (CPU, RSS) over the steady window; 0 = none")
	fs.BoolVar(&cfg.Reconnect, "reconnect", false, "reconnect, as a player does, when the server ends a stream cleanly (a 404 is retried); follow the MP3 frames")
	fs.DurationVar(&cfg.ReconnectDelay, "reconnect-delay", 250*time.Millisecond, "-reconnect: delay before connecting again (jittered; doubled after a 404)")
	fs.DurationVar(&cfg.ReconnectFor, "reconnect-for", 30*time.Second, "-reconnect: give up this long after the stream ended")
	fs.DurationVar(&cfg.ReportEvery, "report-every", 0, "print a JSON line of counts so far this often on stdout; 0 = never")
	fs.BoolVar(&hls, "hls", false, "-url is an HLS playlist (MOUNT.m3u8): each listener plays it as hls.js does and checks every segment")
	fs.Var(&cfg.Watch, "watch", "`NAME=PID`: another process to sample over the steady window (repeatable)")
	fs.Var(&cfg.CountLogs, "count-log", "`NAME=FILE`: an access log whose new lines are counted over the steady window, by request (repeatable)")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&quiet, "quiet", false, "no progress lines on stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: onair-load -url http://HOST:PORT/MOUNT -n LISTENERS [-rate B/s] [-ramp N/s] [-duration D] [-pid PID] [-json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "onair-load: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if !quiet {
		cfg.Progress = stderr
	}
	cfg.ReportTo = stdout
	if limit, err := raiseFileLimit(); err != nil {
		fmt.Fprintf(stderr, "onair-load: raising the open-file limit: %v\n", err)
	} else if need := uint64(cfg.Listeners) + 64; limit < need {
		fmt.Fprintf(stderr, "onair-load: warning: open-file limit %d is below the %d this run needs\n", limit, need)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if hls {
		return runHLS(ctx, cfg, asJSON, stdout, stderr)
	}
	rep, err := Run(ctx, cfg)
	if err != nil || !writeReport(rep, asJSON, stdout, stderr) {
		if err != nil {
			fmt.Fprintf(stderr, "onair-load: %v\n", err)
		}
		return 2
	}
	return exitCode(rep)
}

// writeReport prints rep as indented JSON or as text; false when the JSON
// could not be written (said on stderr).
func writeReport(rep interface{ WriteText(io.Writer) }, asJSON bool, stdout, stderr io.Writer) bool {
	if !asJSON {
		rep.WriteText(stdout)
		return true
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintf(stderr, "onair-load: %v\n", err)
		return false
	}
	return true
}

// runHLS is realMain for -hls: exit code 1 when any segment failed its
// check.
func runHLS(ctx context.Context, cfg Config, asJSON bool, stdout, stderr io.Writer) int {
	rep, err := RunHLS(ctx, cfg)
	if err != nil || !writeReport(rep, asJSON, stdout, stderr) {
		if err != nil {
			fmt.Fprintf(stderr, "onair-load: %v\n", err)
		}
		return 2
	}
	if rep.Reasons["no ID3"]+rep.Reasons["frames"] > 0 {
		return 1
	}
	return 0
}

// exitCode is 1 when the stream was misframed for any listener: its ICY
// framing broke, or its body did not start on a frame header.
func exitCode(rep *Report) int {
	if rep.Framing.Errors > 0 || rep.Framing.Unsynced > 0 {
		return 1
	}
	return 0
}

// raiseFileLimit lifts the soft RLIMIT_NOFILE to the hard limit: every
// listener is a descriptor. It returns the limit now in force.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, err
		}
	}
	return lim.Cur, nil
}
