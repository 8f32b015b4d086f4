// Command onair is the OnAir internet radio server: listeners, sources,
// status pages and, as they land, the AutoDJ, the talk-over mixer and the
// web console, in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"onair/config"
	"onair/logbook"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `Usage:
  onair [-config FILE]                  serve (built-in defaults without -config)
  onair check-config -config FILE       validate FILE and exit
  onair devices                         list sound card inputs (for mic.device)
  onair -version                        print the version

Environment: ONAIR_LISTEN, ONAIR_DATA, ONAIR_SOURCE_PASSWORD, ONAIR_ADMIN_PASSWORD
override the file.

Flags:
`

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain runs the command line and returns the exit code.
func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "devices" {
		return runDevices(args[1:], stdout, stderr)
	}
	cmd := "serve"
	if len(args) > 0 && args[0] == "check-config" {
		cmd, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("onair", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "YAML config `file` (see onair.yaml)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "onair: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "onair", version)
		return 0
	}
	cfg, err := loadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if cmd == "check-config" {
		if *configPath == "" {
			fmt.Fprintln(stderr, "onair check-config: -config FILE is required")
			return 2
		}
		fmt.Fprintf(stdout, "%s: ok\n", *configPath)
		return 0
	}
	// Everything logged at Info and above goes to stderr and, for the
	// console's Logs view, into a ring of the latest records.
	errorLog := logbook.NewRing[logbook.Record](logbook.DefaultSize)
	text := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})
	logger := slog.New(logbook.NewHandler(text, errorLog, slog.LevelInfo))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, stdout, logger, errorLog); err != nil {
		logger.Error("onair stopped", "err", err)
		return 1
	}
	return 0
}

// loadConfig reads the file (if any) over the defaults, then applies the
// environment, then validates the result.
func loadConfig(path string) (config.Config, error) {
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return cfg, err
		}
	}
	cfg.ApplyEnv(os.Getenv)
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("configuration (after environment overrides): %w", err)
	}
	if _, err := cfg.TLSCertificate(); err != nil {
		if path != "" {
			return cfg, fmt.Errorf("%s: %w", path, err)
		}
		return cfg, err
	}
	return cfg, nil
}
