package broadcast

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Bounds on a master's list: a hostile or broken master cannot make this
// server hold more than this many relays or read more than this much.
const (
	maxMasterMounts = 1000
	maxMasterList   = 64 << 10
	maxMasterLine   = 1024
)

// MasterConfig is a master (OnAir or Icecast) whose /admin/streamlist.txt
// this server follows: each mount listed becomes a pull relay of URL plus
// the mount, pulled with the same credentials (an OnAir master counts
// such pulls as relays, and Icecast's list needs them).
type MasterConfig struct {
	URL      string // the master's base, e.g. http://origin:8000; "" = off
	User     string
	Password string
	Interval time.Duration // between reads of the list: 0 = 120 s
	OnDemand bool          // every followed relay is on_demand
	// CheckMount says what is wrong with a listed mount by the config's
	// rules, or ""; nil leaves the built-in checks alone.
	CheckMount func(string) string
}

// follower reads the master's list every interval and makes the set of
// relays that came from it match the list. It is one goroutine; it alone
// replaces Server.pulls after New.
type follower struct {
	s      *Server
	cfg    MasterConfig
	timing RelayTiming
	log    *slog.Logger
	client *relayClient
	list   string // the list's URL, without credentials
}

func newFollower(s *Server, cfg MasterConfig) *follower {
	if cfg.Interval <= 0 {
		cfg.Interval = 120 * time.Second
	}
	t := s.opts.RelayTiming.withDefaults()
	return &follower{
		s: s, cfg: cfg, timing: t, client: newRelayClient(t, s.opts.RelayRootCAs),
		log:  s.opts.Logger.With("component", "relay_master", "master", redacted(cfg.URL)),
		list: strings.TrimSuffix(cfg.URL, "/") + "/admin/streamlist.txt",
	}
}

// run reads the list at once and then every interval until ctx ends.
func (f *follower) run(ctx context.Context) {
	defer f.client.close()
	for {
		f.sync(ctx)
		t := time.NewTimer(f.cfg.Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// sync reads the list once and applies it. A list that cannot be read
// changes nothing: a master that blinks must not take every relay away.
func (f *follower) sync(ctx context.Context) {
	body, err := f.fetch(ctx)
	if err != nil {
		if ctx.Err() == nil {
			f.log.Warn("master's list not read; the relays stay as they are", "err", err)
		}
		return
	}
	mounts, skipped := f.parse(body)
	skipped = append(skipped, f.apply(mounts)...)
	if len(skipped) > 0 {
		f.log.Warn("master's list: lines skipped", "skipped", len(skipped), "first", skipped[:min(len(skipped), 5)])
	}
}

// fetch GETs the list with the master's credentials, at most
// maxMasterList bytes of it, bounded in time by the relay timing.
func (f *follower) fetch(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timing.Connect+f.timing.Header+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.list, nil)
	if err != nil {
		return "", fmt.Errorf("bad URL: %w", err)
	}
	if f.cfg.User != "" || f.cfg.Password != "" {
		req.SetBasicAuth(f.cfg.User, f.cfg.Password)
	}
	req.Header.Set("User-Agent", f.s.opts.ServerID)
	resp, err := f.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("connect: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("master answered %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxMasterList+1))
	if err != nil {
		return "", fmt.Errorf("read: %w", err)
	}
	if len(b) > maxMasterList {
		// Keep the whole lines before the cap; the rest is not read.
		b = b[:maxMasterList]
		if i := strings.LastIndexByte(string(b), '\n'); i >= 0 {
			b = b[:i+1]
		}
		f.log.Warn("master's list is longer than the cap; the rest is ignored", "cap_bytes", maxMasterList)
	}
	return string(b), nil
}

// parse returns the valid mounts of a list, first seen first, at most
// maxMasterMounts, and why each other line was skipped.
func (f *follower) parse(body string) (mounts, skipped []string) {
	seen := map[string]bool{}
	for line := range strings.Lines(body) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			continue
		}
		shown := line
		if len(shown) > 64 {
			shown = shown[:64] + "…"
		}
		problem := ""
		switch {
		case len(line) > maxMasterLine:
			problem = "longer than 1 KiB"
		case seen[line]:
			problem = "listed twice"
		case len(mounts) >= maxMasterMounts:
			problem = fmt.Sprintf("over the cap of %d mounts", maxMasterMounts)
		default:
			problem = f.mountProblem(line)
		}
		if problem != "" {
			skipped = append(skipped, fmt.Sprintf("%q: %s", shown, problem))
			continue
		}
		seen[line] = true
		mounts = append(mounts, line)
	}
	return mounts, skipped
}

// mountProblem holds a listed mount to the mount rules.
func (f *follower) mountProblem(m string) string {
	switch {
	case !strings.HasPrefix(m, "/") || m == "/":
		return "not a mount path"
	case strings.ContainsFunc(m, func(r rune) bool { return r == unicode.ReplacementChar || unicode.IsSpace(r) || unicode.IsControl(r) }):
		return "control bytes, spaces or bad UTF-8"
	case strings.Contains(m, "..") || strings.ContainsAny(m, "?#%\\"):
		return "'..', '?', '#', '%' or '\\' in the path"
	}
	if f.cfg.CheckMount != nil {
		return f.cfg.CheckMount(m)
	}
	return ""
}

// apply makes the relays from the master those of mounts: new ones get a
// mount and a puller, gone ones are stopped and their mounts retired
// (listeners to the fallback or closed). A mount used here already (a
// station, a configured mount or relay, a source's own) is skipped.
func (f *follower) apply(mounts []string) (skipped []string) {
	s := f.s
	want := make(map[string]bool, len(mounts))
	var added, removed []*puller
	s.mu.Lock()
	next := maps.Clone(*s.pulls.Load())
	for _, path := range mounts {
		want[path] = true
		if p := next[path]; p != nil {
			if !p.fromMaster {
				skipped = append(skipped, fmt.Sprintf("%q: a configured relay", path))
			}
			continue
		}
		if s.mounts[path] != nil {
			skipped = append(skipped, fmt.Sprintf("%q: a local mount", path))
			continue
		}
		s.addMountLocked(NewMount(path, s.listedSettings(MountSettings{})))
		p := newPull(s, RelayConfig{Mount: path, Upstreams: []string{f.upstream(path)}, OnDemand: f.cfg.OnDemand}, f.timing)
		p.fromMaster = true
		next[path] = p
		added = append(added, p)
	}
	for path, p := range next {
		if p.fromMaster && !want[path] {
			delete(next, path)
			removed = append(removed, p)
		}
	}
	// Under the table's lock, so that no source claims a new relay's
	// mount between the two (mountForSource looks at both).
	s.pulls.Store(&next)
	s.mu.Unlock()
	for _, p := range added {
		f.log.Info("relay added from the master's list", "mount", p.cfg.Mount)
		s.startPull(p)
	}
	for _, p := range removed {
		p.stop()
		<-p.done
		s.dropMount(p.cfg.Mount)
		f.log.Info("relay removed: gone from the master's list", "mount", p.cfg.Mount)
	}
	return skipped
}

// upstream is the master's URL of mount, with the credentials.
func (f *follower) upstream(mount string) string {
	u, err := url.Parse(strings.TrimSuffix(f.cfg.URL, "/"))
	if err != nil {
		return f.cfg.URL + mount // the puller reports it
	}
	u.Path += mount
	if f.cfg.User != "" || f.cfg.Password != "" {
		u.User = url.UserPassword(f.cfg.User, f.cfg.Password)
	}
	return u.String()
}

// dropMount takes the mount at path out of the table and retires it,
// unless a reload has since made it a configured mount: that one stays,
// and its listeners wait out its grace as for any source that left.
func (s *Server) dropMount(path string) {
	if slices.ContainsFunc(*s.configured.Load(), func(mc MountConfig) bool { return mc.Path == path }) {
		return
	}
	s.mu.Lock()
	m := s.mounts[path]
	delete(s.mounts, path)
	s.order = slices.DeleteFunc(s.order, func(p string) bool { return p == path })
	s.mu.Unlock()
	if m != nil {
		s.retire(m)
	}
}
