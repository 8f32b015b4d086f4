package broadcast

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// errTrySource says the remote answered PUT as an old server does.
var errTrySource = errors.New("remote does not take PUT")

// maxAnswer bounds how much of a refusal's body is kept.
const maxAnswer = 200

// connect dials the target and speaks its source protocol, returning the
// connection ready for audio.
func (p *pusher) connect(ctx context.Context, info *StreamInfo) (net.Conn, error) {
	switch p.t.URL.Scheme {
	case "icecast":
		if !p.useSource {
			conn, err := p.icecastLogin(ctx, info, "PUT")
			if !errors.Is(err, errTrySource) {
				return conn, err
			}
			p.log.Info("remote refused PUT; trying SOURCE", "err", err)
		}
		conn, err := p.icecastLogin(ctx, info, "SOURCE")
		if err == nil {
			p.useSource = true
		}
		return conn, err
	case "shoutcast":
		return p.shoutcastLogin(ctx, info)
	}
	return nil, fmt.Errorf("push: unknown scheme %q", p.t.URL.Scheme)
}

func (p *pusher) dial(ctx context.Context) (net.Conn, error) {
	d := net.Dialer{Timeout: pushDialTimeout}
	conn, err := d.DialContext(ctx, "tcp", p.t.URL.Host)
	if err != nil {
		return nil, fmt.Errorf("dialling %s: %w", p.t.URL.Host, err)
	}
	if err := conn.SetDeadline(time.Now().Add(pushDialTimeout)); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// icecastLogin sends the request Icecast (and OnAir) expect from a source
// client: PUT for Icecast 2.4 and later, SOURCE for older servers.
func (p *pusher) icecastLogin(ctx context.Context, info *StreamInfo, method string) (net.Conn, error) {
	conn, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	u := p.t.URL
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	proto := "HTTP/1.1"
	if method == "SOURCE" {
		proto = "HTTP/1.0"
	}
	pass, _ := u.User.Password()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\r\nHost: %s\r\n", method, path, proto, u.Host)
	fmt.Fprintf(&b, "Authorization: Basic %s\r\n", base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass)))
	fmt.Fprintf(&b, "User-Agent: %s\r\nContent-Type: %s\r\n", p.userAgent, info.ContentType)
	pub := "0"
	if info.Public {
		pub = "1"
	}
	header := func(k, v string) {
		if v = headerSafe(v); v != "" {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	header("Ice-Public", pub)
	header("Ice-Name", info.Name)
	header("Ice-Description", info.Description)
	header("Ice-Genre", info.Genre)
	header("Ice-Url", info.URL)
	header("Ice-Audio-Info", audioInfo(info))
	if info.Bitrate > 0 {
		header("Ice-Bitrate", strconv.Itoa(info.Bitrate))
	}
	if method == "PUT" {
		b.WriteString("Expect: 100-continue\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sending %s: %w", method, err)
	}
	br := bufio.NewReader(conn)
	for {
		// The body is never closed: on a 200 it is the connection itself,
		// and closing would drain it.
		resp, err := http.ReadResponse(br, nil) //nolint:bodyclose // see above
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("reading the answer to %s: %w", method, err)
		}
		if resp.StatusCode == http.StatusContinue {
			continue
		}
		if resp.StatusCode/100 == 2 {
			if err := conn.SetDeadline(time.Time{}); err != nil {
				conn.Close()
				return nil, err
			}
			return conn, nil
		}
		answer := resp.Proto + " " + resp.Status
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
		if s := strings.Join(strings.Fields(string(body)), " "); s != "" {
			answer += ": " + s
		}
		conn.Close()
		switch resp.StatusCode {
		case http.StatusMethodNotAllowed, http.StatusBadRequest, http.StatusNotImplemented:
			if method == "PUT" {
				return nil, fmt.Errorf("%w: %s", errTrySource, answer)
			}
		}
		return nil, &RemoteRefusal{Answer: answer}
	}
}

// shoutcastLogin speaks SHOUTcast v1: the password line ("pass:#sid" for a
// DNAS 2 stream id), "OK2", then icy-* headers up to a blank line.
func (p *pusher) shoutcastLogin(ctx context.Context, info *StreamInfo) (net.Conn, error) {
	conn, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	login := shoutcastPass(p.t.URL)
	if sid := p.t.URL.Query().Get("sid"); sid != "" {
		login += ":#" + sid
	}
	if _, err := io.WriteString(conn, login+"\r\n"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sending the password: %w", err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	line = strings.TrimSpace(line)
	if line != "OK2" {
		conn.Close()
		if line == "" && err != nil {
			return nil, fmt.Errorf("reading the login answer: %w", err)
		}
		if len(line) > maxAnswer {
			line = line[:maxAnswer]
		}
		return nil, &RemoteRefusal{Answer: line}
	}
	var b strings.Builder
	header := func(k, v string) {
		if v = headerSafe(v); v != "" {
			fmt.Fprintf(&b, "%s:%s\r\n", k, v)
		}
	}
	header("content-type", info.ContentType)
	header("icy-name", info.Name)
	header("icy-genre", info.Genre)
	header("icy-url", info.URL)
	pub := "0"
	if info.Public {
		pub = "1"
	}
	header("icy-pub", pub)
	if info.Bitrate > 0 {
		header("icy-br", strconv.Itoa(info.Bitrate))
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sending the stream headers: %w", err)
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// shoutcastPass is the password in a shoutcast:// URL: its whole user
// part, so "dj:pass@" logs in as DJ dj.
func shoutcastPass(u *url.URL) string {
	if u.User == nil {
		return ""
	}
	if pw, ok := u.User.Password(); ok {
		return u.User.Username() + ":" + pw
	}
	return u.User.Username()
}

// sendTitle tells the remote the title: Icecast's /admin/metadata with the
// source credentials, or SHOUTcast's admin.cgi on the port below the
// source port.
func (p *pusher) sendTitle(ctx context.Context, title string) error {
	u := p.t.URL
	q := url.Values{"mode": {"updinfo"}, "song": {title}}
	var target url.URL
	switch u.Scheme {
	case "icecast":
		q.Set("mount", u.Path)
		q.Set("charset", "UTF-8")
		target = url.URL{Scheme: "http", Host: u.Host, Path: "/admin/metadata"}
	case "shoutcast":
		host, port, err := net.SplitHostPort(u.Host)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(port)
		if err != nil || n < 2 {
			return fmt.Errorf("source port %q has no admin port below it", port)
		}
		q.Set("pass", shoutcastPass(u))
		if sid := u.Query().Get("sid"); sid != "" {
			q.Set("sid", sid)
		}
		target = url.URL{Scheme: "http", Host: net.JoinHostPort(host, strconv.Itoa(n-1)), Path: "/admin.cgi"}
	}
	target.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, pushDialTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", p.userAgent)
	req.Close = true // titles are rare: no idle connection left behind
	if u.Scheme == "icecast" {
		pass, _ := u.User.Password()
		req.SetBasicAuth(u.User.Username(), pass)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		// The error may quote the URL, whose query holds a SHOUTcast
		// password: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("title update: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return &RemoteRefusal{Answer: "title update: " + resp.Proto + " " + resp.Status}
	}
	return nil
}

// audioInfo is Ice-Audio-Info from what the mount knows.
func audioInfo(info *StreamInfo) string {
	if info.AudioInfo != "" {
		return info.AudioInfo
	}
	var parts []string
	if info.Bitrate > 0 {
		parts = append(parts, "bitrate="+strconv.Itoa(info.Bitrate))
	}
	if info.SampleRate > 0 {
		parts = append(parts, "samplerate="+strconv.Itoa(info.SampleRate))
	}
	if info.Channels > 0 {
		parts = append(parts, "channels="+strconv.Itoa(info.Channels))
	}
	return strings.Join(parts, ";")
}

// headerSafe drops what would break a header line.
func headerSafe(v string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return ' '
		}
		return r
	}, strings.TrimSpace(v))
}
