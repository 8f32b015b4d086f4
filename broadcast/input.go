package broadcast

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// Input takes the sources of a station's live mount: their audio is
// decoded and mixed into the station rather than relayed as it is.
type Input interface {
	// Check refuses a source by its declared Content-Type, before it is
	// answered; the error's text is the reason the client is given.
	Check(contentType string) error
	// Begin is called once a source is on the mount; an error refuses it.
	Begin(info StreamInfo) (InputSession, error)
}

// InputSession receives one source's stream.
type InputSession interface {
	// Write takes the stream's bytes as they arrive. It may block to hold
	// back a source that sends faster than real time; an error ends the
	// source.
	Write(p []byte) (int, error)
	// SetTitle passes on a title the source sent (a metadata update).
	SetTitle(title string)
	// End says the source has gone.
	End()
}

// ErrNoInput refuses a source on a live mount whose station is not
// running.
var ErrNoInput = errors.New("the station of this live mount is not running")

type inputBox struct{ in Input }

type sessionBox struct{ s InputSession }

// AttachInput makes in take the sources of the input mount at path (a
// station's live mount). The returned func detaches it.
func (s *Server) AttachInput(path string, in Input) (func(), error) {
	m := s.Mount(path)
	if m == nil || !m.Settings().Input {
		return nil, fmt.Errorf("attach input %s: %w", path, ErrNoMount)
	}
	box := &inputBox{in}
	if !m.input.CompareAndSwap(nil, box) {
		return nil, fmt.Errorf("attach input %s: %w", path, ErrMountInUse)
	}
	return func() { m.input.CompareAndSwap(box, nil) }, nil
}

// sourceCodec checks a source's Content-Type for mount m: an input mount
// asks its station, others relay what the framing knows.
func (s *Server) sourceCodec(m *Mount, contentType string) (codec framing, ctype string, err error) {
	if !m.Settings().Input {
		return codecFor(contentType)
	}
	box := m.input.Load()
	if box == nil {
		return framing{}, "", ErrNoInput
	}
	if err := box.in.Check(contentType); err != nil {
		return framing{}, "", fmt.Errorf("%w: %w", ErrUnsupportedType, err)
	}
	return framing{}, contentType, nil
}

// feedInput hands a source's stream to the station's input until the
// source ends or the input refuses more.
func (s *Server) feedInput(m *Mount, conn readDeadliner, body io.Reader, info StreamInfo) error {
	box := m.input.Load()
	if box == nil {
		return ErrNoInput
	}
	sess, err := box.in.Begin(info)
	if err != nil {
		return err
	}
	sb := &sessionBox{sess}
	m.session.Store(sb)
	defer func() {
		m.session.CompareAndSwap(sb, nil)
		sess.End()
	}()
	buf := make([]byte, 16<<10)
	for {
		if err := conn.SetReadDeadline(time.Now().Add(s.opts.SourceTimeout)); err != nil {
			return err
		}
		n, err := body.Read(buf)
		if n > 0 {
			m.bytesIn.Add(int64(n))
			if _, werr := sess.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return ErrSourceIdle
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// inputState is an input mount's link to its station.
type inputState struct {
	input   atomic.Pointer[inputBox]
	session atomic.Pointer[sessionBox]
}

// titleToInput passes a title update on to the live session, if any.
func (m *Mount) titleToInput(title string) {
	if sb := m.session.Load(); sb != nil {
		sb.s.SetTitle(title)
	}
}
