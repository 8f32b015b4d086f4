// Command onair is the OnAir internet radio server: listeners, sources
// and status pages, the stations' AutoDJ and talk-over mixer, and the web
// console, in one binary.
//
// This package is the command line only: flags, sub-commands
// (check-config, devices, backup, restore, passwd) and signals (SIGINT
// and SIGTERM stop the server; SIGHUP reopens the access log and reloads
// the config file). The
// startup package loads the configuration, builds, starts and stops the
// server, and does what the sub-commands ask of the data folder.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"onair/startup"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `Usage:
  onair [-config FILE]                  serve (built-in defaults without -config)
  onair check-config -config FILE       validate FILE and exit
  onair devices                         list sound card inputs (for mic.device)
  onair backup [-config FILE] [-force] BACKUP
                                        write a backup (database, config, credentials)
                                        to the file BACKUP, while the server runs
  onair restore [-config FILE] [-force] BACKUP
                                        put BACKUP back on a stopped server; the
                                        config goes to FILE
  onair passwd [-config FILE] [-create -role admin|dj] USER
                                        set USER's password, read twice from the
                                        terminal or once from a line of stdin
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
	if len(args) > 0 {
		switch args[0] {
		case "devices":
			return runDevices(args[1:], stdout, stderr)
		case "backup":
			return runBackup(args[1:], stdout, stderr)
		case "restore":
			return runRestore(args[1:], stdout, stderr)
		case "passwd":
			return runPasswd(args[1:], os.Stdin, stdout, stderr)
		}
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
	cfg, err := startup.Load(*configPath, os.Getenv)
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = startup.Run(ctx, cfg, startup.Options{
		Version: version, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv,
		ConfigPath: *configPath, OnHangup: onSIGHUP,
	})
	if err != nil {
		return 1
	}
	return 0
}

// onSIGHUP calls hup on every SIGHUP (systemctl reload, logrotate) until
// stop is called. SIGHUP is caught only from then on: one that comes
// while the server is still starting ends the process. Signals that come
// during a reload are folded into one more.
func onSIGHUP(hup func()) (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-sig:
				hup()
			case <-done:
				return
			}
		}
	})
	return func() {
		signal.Stop(sig)
		close(done)
		wg.Wait()
	}
}
