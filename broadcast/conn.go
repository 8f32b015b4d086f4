package broadcast

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
)

// maxRequestLine bounds the first line of a connection; it is also the
// sniffing buffer's size.
const maxRequestLine = 8192

// firstLineKind is what the first line of a connection on the HTTP port
// turned out to be.
type firstLineKind int

const (
	lineHTTP       firstLineKind = iota // an HTTP/1.x or ICE/1.0 request line
	lineShoutcast                       // a SHOUTcast v1 password line
	lineShoutcast2                      // a SHOUTcast v2 (Ultravox) frame
	lineIcecast1                        // "SOURCE password /mount", Icecast 1's login
)

// classifyFirstLine tells an HTTP request line from a SHOUTcast v1
// password line, and returns the request line as net/http can parse it:
// ICE/1.0 becomes HTTP/1.0 and spaces inside the target are escaped (some
// SHOUTcast title updaters send them raw).
func classifyFirstLine(line []byte) (firstLineKind, string) {
	if len(line) > 0 && line[0] == 0x5A {
		return lineShoutcast2, ""
	}
	s := strings.TrimRight(string(line), "\r\n")
	method, rest, ok := strings.Cut(s, " ")
	if !ok || !isToken(method) {
		return lineShoutcast, s
	}
	i := strings.LastIndexByte(rest, ' ')
	if i < 0 {
		return lineShoutcast, s
	}
	target, proto := strings.TrimSpace(rest[:i]), rest[i+1:]
	if method == "SOURCE" && strings.HasPrefix(proto, "/") && !strings.HasPrefix(rest, "/") {
		// Icecast 1 (darkice's [icecast-x] output): the password where
		// HTTP puts the target, the mount where it puts the protocol.
		return lineIcecast1, s
	}
	switch proto {
	case "HTTP/1.0", "HTTP/1.1":
	case "ICE/1.0":
		proto = "HTTP/1.0"
	default:
		return lineShoutcast, s
	}
	if !strings.HasPrefix(target, "/") && target != "*" || strings.ContainsFunc(target, isControl) {
		return lineShoutcast, s
	}
	target = strings.ReplaceAll(target, " ", "%20")
	return lineHTTP, method + " " + target + " " + proto
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// isToken reports whether s is an HTTP method token in upper case, as every
// client we speak to sends it.
func isToken(s string) bool {
	if s == "" || len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// readFirstLine reads up to and including the first LF. A line longer
// than br's buffer is ErrHandshakeTooLong, returned with its first
// bytes, for the log.
func readFirstLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return bytes.Clone(line[:min(len(line), 512)]), ErrHandshakeTooLong
	}
	if err != nil {
		return nil, err
	}
	return bytes.Clone(line), nil
}

// sniffedConn is a connection whose first line was already read: reads
// replay the (rewritten) line, then continue from the sniffing buffer.
type sniffedConn struct {
	net.Conn
	r io.Reader
}

func (c *sniffedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// rawConn returns the connection under any sniffing wrapper.
func rawConn(c net.Conn) net.Conn {
	if s, ok := c.(*sniffedConn); ok {
		return s.Conn
	}
	return c
}

// chanListener feeds sniffed connections to an http.Server.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// push hands c to the http.Server; false when it is shutting down.
func (l *chanListener) push(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
