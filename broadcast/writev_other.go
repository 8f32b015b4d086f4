//go:build !linux

package broadcast

import "syscall"

// rawWriter is Linux's non-blocking writev; elsewhere every listener is
// written blocking by a writer of its own.
type rawWriter struct{}

func newRawWriter() rawWriter { return rawWriter{} }

func (w *rawWriter) writev(syscall.RawConn, [][]byte) (int, error) { return 0, syscall.ENOTSUP }

func (w *rawWriter) writevAll(syscall.RawConn, [][]byte) (int, error) { return 0, syscall.ENOTSUP }

// rawConnOf returns nil: non-blocking writes are Linux's.
func rawConnOf(any) syscall.RawConn { return nil }
