package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// headBufSize bounds the response headers and the first body bytes read
// while connecting; the rest of the burst waits in the socket for the
// worker's paced reads.
const headBufSize = 8 << 10

var headBufs = sync.Pool{New: func() any { b := make([]byte, headBufSize); return &b }}

// timing is when a connection attempt reached each step, since it began.
type timing struct {
	connect, headers, firstAudio time.Duration
}

// connect opens one listener: dial, send the request a player sends, read
// the response headers and the first body bytes, and check them. It returns
// a listener ready for paced reads, or the reason it failed.
func (r *runner) connect(ctx context.Context) (*listener, timing, error) {
	var tm timing
	start := time.Now()
	deadline := start.Add(r.cfg.ConnectTimeout)
	d := net.Dialer{Deadline: deadline}
	c, err := d.DialContext(ctx, "tcp", r.addr)
	if err != nil {
		return nil, tm, err
	}
	conn := c.(*net.TCPConn)
	tm.connect = time.Since(start)
	ok := false
	defer func() {
		if !ok {
			_ = conn.Close()
		}
	}()
	// Cancelling the run unblocks a handshake in progress.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := conn.SetDeadline(deadline); err != nil {
		return nil, tm, err
	}
	if _, err := conn.Write(r.request); err != nil {
		return nil, tm, err
	}

	bp := headBufs.Get().(*[]byte)
	defer headBufs.Put(bp)
	buf := *bp
	n, end := 0, -1
	for end < 0 {
		if n == len(buf) {
			return nil, tm, errHeadersLarge
		}
		m, err := conn.Read(buf[n:])
		n += m
		if i := bytes.Index(buf[max(0, n-m-3):n], []byte("\r\n\r\n")); i >= 0 {
			end = max(0, n-m-3) + i + 4
		} else if err != nil {
			return nil, tm, err
		}
	}
	tm.headers = time.Since(start)
	metaint, codec, err := parseResponse(buf[:end])
	if err != nil {
		return nil, tm, err
	}
	for n == end {
		m, err := conn.Read(buf[n:])
		n += m
		if m == 0 && err != nil {
			return nil, tm, err
		}
	}
	now := time.Now()
	tm.firstAudio = now.Sub(start)
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return nil, tm, err
	}
	raw, err := conn.SyscallConn()
	if err != nil {
		return nil, tm, err
	}
	l := &listener{
		conn:  conn,
		raw:   raw,
		check: newStreamChecker(metaint, codec),
		first: r.since(now),
	}
	l.check.follow = r.cfg.Reconnect && codec == CodecMP3
	l.rx = int64(n - end)
	l.framing = l.check.Feed(buf[end:n])
	ok = true
	return l, tm, nil
}

// statusError is a response other than 200.
type statusError struct {
	line string
	code int
}

func (e *statusError) Error() string { return "response " + e.line }

// parseResponse reads the status line and the headers the checker needs.
// Players accept "ICY 200 OK" as well as HTTP's.
func parseResponse(head []byte) (metaint int, codec Codec, err error) {
	lines := bytes.Split(bytes.TrimRight(head, "\r\n"), []byte("\r\n"))
	status := string(lines[0])
	f := bytes.Fields(lines[0])
	if len(f) < 2 || !(bytes.HasPrefix(f[0], []byte("HTTP/")) || bytes.Equal(f[0], []byte("ICY"))) {
		return 0, 0, errBadResponse
	}
	if string(f[1]) != "200" {
		code, _ := strconv.Atoi(string(f[1]))
		return 0, 0, &statusError{line: status, code: code}
	}
	codec = CodecNone
	seenMetaint := false
	for _, line := range lines[1:] {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, 0, errBadResponse
		}
		v := string(bytes.TrimSpace(value))
		switch string(bytes.ToLower(bytes.TrimSpace(name))) {
		case "content-type":
			codec = codecFor(v)
		case "icy-metaint":
			metaint, err = strconv.Atoi(v)
			if err != nil || metaint <= 0 {
				return 0, 0, errBadMetaint
			}
			seenMetaint = true
		}
	}
	if !seenMetaint {
		return 0, 0, errNoMetaint
	}
	return metaint, codec, nil
}

// reason names a failure or a drop for the report.
func reason(err error) string {
	var se *statusError
	var errno syscall.Errno
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		return "status " + se.line
	case errors.Is(err, ErrBadBlock):
		return "framing"
	case errors.Is(err, ErrFrameSync):
		return "frame sync"
	case errors.Is(err, ErrFormatChange):
		return "format change"
	case errors.Is(err, ErrEndInBlock):
		return "eof in ICY block"
	case errors.Is(err, ErrEndInFrame):
		return "eof mid-frame"
	case errors.Is(err, errNoMetaint):
		return "no icy-metaint"
	case errors.Is(err, errBadMetaint):
		return "bad icy-metaint"
	case errors.Is(err, errBadResponse):
		return "bad response"
	case errors.Is(err, errHeadersLarge):
		return "headers too large"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, errStalled):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no free local port"
	case errors.As(err, &errno):
		return errno.Error()
	}
	return fmt.Sprintf("other (%v)", err)
}
