package broadcast

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// A burst far larger than the socket's buffer goes out whole and in order,
// across the partial writes a full socket makes.
func TestWritevAllWaitsForRoomAndKeepsOrder(t *testing.T) {
	client, server := tcpPair(t)
	if err := server.SetWriteBuffer(4096); err != nil {
		t.Fatal(err)
	}
	var segs [][]byte
	var want []byte
	for i := range maxSegments {
		seg := bytes.Repeat([]byte{byte(i)}, 1000+i*577)
		segs = append(segs, seg)
		want = append(want, seg...)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(client, int64(len(want))))
		got <- b
	}()
	rc := rawConnOf(server)
	if rc == nil {
		t.Fatal("no raw access to a TCP socket")
	}
	if err := server.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	var w rawWriter
	n, err := w.writevAll(rc, segs)
	if err != nil || n != len(want) {
		t.Fatalf("writevAll = %d, %v; want %d, nil", n, err, len(want))
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("received %d bytes, not the %d sent in order", len(b), len(want))
	}
	for i, v := range w.iov {
		if v.Base != nil {
			t.Fatalf("iovec %d still points at a buffer", i)
		}
	}
}

// A player that reads nothing makes the burst fail at the deadline, with
// what went out counted.
func TestWritevAllStopsAtTheDeadline(t *testing.T) {
	_, server := tcpPair(t)
	if err := server.SetWriteBuffer(4096); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 32<<20) // more than any receive window takes
	if err := server.SetWriteDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	var w rawWriter
	n, err := w.writevAll(rawConnOf(server), [][]byte{big})
	if !errors.Is(err, os.ErrDeadlineExceeded) || !isTimeout(err) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if n <= 0 || n >= len(big) {
		t.Fatalf("wrote %d of %d bytes", n, len(big))
	}
}
