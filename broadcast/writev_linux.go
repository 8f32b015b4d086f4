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
	first int // writevAll: the first buffer not yet wholly written
	n     int
	errno syscall.Errno
	// w.do and w.doAll, made once: a method value per write would allocate.
	call, callAll func(fd uintptr) bool
}

func newRawWriter() rawWriter { return rawWriter{} }

func (w *rawWriter) writev(rc syscall.RawConn, segs [][]byte) (int, error) {
	if w.call == nil {
		w.call = w.do
	}
	if w.load(segs) == 0 {
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

// writevAll writes all of segs, waiting for room until the socket's write
// deadline. It serves a connecting listener's burst: net's own writev
// would keep an iovec array on the socket for as long as it is open.
func (w *rawWriter) writevAll(rc syscall.RawConn, segs [][]byte) (int, error) {
	if w.callAll == nil {
		w.callAll = w.doAll
	}
	if w.load(segs) == 0 {
		return 0, nil
	}
	w.first, w.n, w.errno = 0, 0, 0
	err := rc.Write(w.callAll)
	clear(w.iov[:w.niov])
	if err != nil {
		return w.n, err
	}
	if w.errno != 0 {
		return w.n, w.errno
	}
	return w.n, nil
}

// load points the iovecs at segs' non-empty buffers and returns how many.
func (w *rawWriter) load(segs [][]byte) int {
	w.niov = 0
	for _, s := range segs {
		if len(s) == 0 {
			continue
		}
		w.iov[w.niov].Base = &s[0]
		w.iov[w.niov].SetLen(len(s))
		w.niov++
	}
	return w.niov
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

// doAll writes until every buffer is out; false asks the runtime to call it
// again once the socket has room (or to fail at the deadline).
func (w *rawWriter) doAll(fd uintptr) bool {
	for w.first < w.niov {
		r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.iov[w.first])), uintptr(w.niov-w.first))
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN || e == 0 && r == 0:
			return false
		case e != 0:
			w.errno = e
			return true
		}
		w.n += int(r)
		for left := uint64(r); left > 0; {
			v := &w.iov[w.first]
			size := uint64(v.Len)
			if left < size {
				v.Base = (*byte)(unsafe.Add(unsafe.Pointer(v.Base), left))
				v.SetLen(int(size - left))
				break
			}
			left -= size
			w.first++
		}
	}
	return true
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
