package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"onair/backup"
	"onair/startup"
)

// subFlags is a sub-command's flag set with -config, its usage line and
// its one argument (flags may come before or after it).
type subFlags struct {
	*flag.FlagSet
	config *string
	usage  string
}

func newSubFlags(name, usage string, stderr io.Writer) *subFlags {
	fs := flag.NewFlagSet("onair "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	s := &subFlags{FlagSet: fs, usage: usage}
	s.config = fs.String("config", "", "YAML config `file` the server runs with (data_dir says where its data is)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage:\n  %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return s
}

// parse parses args and returns the one argument, or an exit code.
func (s *subFlags) parse(args []string, stderr io.Writer) (string, int) {
	var rest []string
	for {
		if err := s.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return "", 0
			}
			return "", 2
		}
		if s.NArg() == 0 {
			break
		}
		rest, args = append(rest, s.Arg(0)), s.Args()[1:]
	}
	if len(rest) != 1 {
		fmt.Fprintf(stderr, "%s: want one argument, got %d\n", s.Name(), len(rest))
		s.Usage()
		return "", 2
	}
	return rest[0], -1
}

// signalContext ends on SIGINT or SIGTERM, so that an interrupted
// backup removes its partial file.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// runBackup is "onair backup FILE".
func runBackup(args []string, stdout, stderr io.Writer) int {
	fs := newSubFlags("backup", "onair backup [-config FILE] [-force] BACKUP", stderr)
	force := fs.Bool("force", false, "replace BACKUP if it exists")
	file, code := fs.parse(args, stderr)
	if code >= 0 {
		return code
	}
	cfg, err := startup.Load(*fs.config, os.Getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ctx, stop := signalContext()
	defer stop()
	m, err := startup.Backup(ctx, cfg, *fs.config, file, version, *force)
	if err != nil {
		fmt.Fprintf(stderr, "onair backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s from %s (schema %d)\n", file, strings.Join(m.Files, ", "), m.DataDir, m.Schema)
	if m.ConfigPath == "" {
		fmt.Fprintln(stdout, "No -config: the backup holds no config file (the server runs on built-in defaults).")
	}
	return 0
}

// runRestore is "onair restore FILE".
func runRestore(args []string, stdout, stderr io.Writer) int {
	fs := newSubFlags("restore", "onair restore [-config FILE] [-force] BACKUP", stderr)
	force := fs.Bool("force", false, "replace the data folder's database and the config file")
	file, code := fs.parse(args, stderr)
	if code >= 0 {
		return code
	}
	ctx, stop := signalContext()
	defer stop()
	r, err := startup.Restore(ctx, file, backup.RestoreOptions{ConfigPath: *fs.config, Force: *force})
	if err != nil {
		fmt.Fprintf(stderr, "onair restore: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "Restored the backup of %s (OnAir %s) into %s.\n", r.Manifest.CreatedAt.Format("2006-01-02 15:04:05 MST"), r.Manifest.Version, r.DataDir)
	switch {
	case r.ConfigWritten != "":
		fmt.Fprintf(stdout, "Config: %s\n", r.ConfigWritten)
	case r.Manifest.ConfigPath != "":
		fmt.Fprintf(stdout, "The backup's config (it was %s) was not written: give -config FILE to restore it there.\n", r.Manifest.ConfigPath)
	}
	return 0
}

// runPasswd is "onair passwd USER".
func runPasswd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newSubFlags("passwd", "onair passwd [-config FILE] [-create -role admin|dj] USER", stderr)
	create := fs.Bool("create", false, "create USER's account if it does not exist (with -role)")
	role := fs.String("role", "", "the role of an account -create makes: admin or dj")
	user, code := fs.parse(args, stderr)
	if code >= 0 {
		return code
	}
	if *create != (*role != "") || *role != "" && *role != "admin" && *role != "dj" {
		fmt.Fprintln(stderr, "onair passwd: -create and -role go together (-create -role admin|dj)")
		return 2
	}
	cfg, err := startup.Load(*fs.config, os.Getenv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	pw, err := readPassword(stdin, stderr, user)
	if err != nil {
		fmt.Fprintf(stderr, "onair passwd: %v\n", err)
		return 1
	}
	created, err := startup.SetPassword(context.Background(), cfg, user, pw, *role)
	if err != nil {
		fmt.Fprintf(stderr, "onair passwd: %v\n", err)
		return 1
	}
	if created {
		fmt.Fprintf(stdout, "Created %s account %q in %s.\n", *role, user, cfg.DataDir)
	} else {
		fmt.Fprintf(stdout, "Password of %q set in %s; its console sessions have ended.\n", user, cfg.DataDir)
	}
	if cfg.AdminPassword != "" && strings.EqualFold(user, cfg.AdminUser) {
		fmt.Fprintf(stdout, "Note: admin_password (or ONAIR_ADMIN_PASSWORD) sets %q's password again at the next start.\n", cfg.AdminUser)
	}
	return 0
}

// readPassword reads the new password: twice without echo from a
// terminal, else one line of stdin (for scripts).
func readPassword(stdin io.Reader, stderr io.Writer, user string) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fd := int(f.Fd())
		fmt.Fprintf(stderr, "New password for %s: ", user)
		first, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		fmt.Fprint(stderr, "Again: ")
		again, err := term.ReadPassword(fd)
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		if !bytes.Equal(first, again) {
			return "", errors.New("the two passwords differ; nothing changed")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		return "", fmt.Errorf("read the password from stdin (one line): %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
