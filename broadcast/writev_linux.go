package broadcast

import (
	"syscall"
	"unsafe"
)

// rawWriter writes a listener's buffers with one writev that never waits:
// the socket takes what fits and the rest keeps for the next pass.
type rawWriter struct {
	iov   [maxSegments]syscall.Iovec
	niov  int
	n     int
	errno syscall.Errno
	call  func(fd uintptr) bool // w.do, made once: a method value per write would allocate
}

func newRawWriter() rawWriter { return rawWriter{} }

func (w *rawWriter) writev(rc syscall.RawConn, segs [][]byte) (int, error) {
	if w.call == nil {
		w.call = w.do
	}
	w.niov = 0
	for _, s := range segs {
		if len(s) == 0 {
			continue
		}
		w.iov[w.niov].Base = &s[0]
		w.iov[w.niov].SetLen(len(s))
		w.niov++
	}
	if w.niov == 0 {
		return 0, nil
	}
	err := rc.Write(w.call)
	clear(w.iov[:w.niov]) // no references to old chunks
	if err != nil {
		return 0, err
	}
	switch w.errno {
	case 0, syscall.EAGAIN:
		return w.n, nil
	default:
		return w.n, w.errno
	}
}

// do is the write itself, run by the runtime with the socket's descriptor.
// It reports done however it went: waiting for room is the next pass's job.
func (w *rawWriter) do(fd uintptr) bool {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.iov[0])), uintptr(w.niov))
		if e == syscall.EINTR {
			continue
		}
		w.n, w.errno = 0, e
		if e == 0 {
			w.n = int(r)
		}
		return true
	}
}

// rawConnOf returns c's descriptor access for non-blocking writes, or nil
// when c is not a plain socket (TLS).
func rawConnOf(c any) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}
