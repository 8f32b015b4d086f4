package broadcast

import "errors"

// Errors a source or listener can be refused or ended with.
var (
	ErrMountInUse       = errors.New("mountpoint in use")
	ErrBadPassword      = errors.New("invalid password")
	ErrNoMount          = errors.New("no such mount")
	ErrMountForbidden   = errors.New("mount not open to sources")
	ErrUnsupportedType  = errors.New("unsupported content type")
	ErrListenerLapped   = errors.New("listener fell a whole buffer behind")
	ErrMountClosed      = errors.New("mount closed")
	ErrServerFull       = errors.New("server full")
	ErrMountFull        = errors.New("mount full")
	ErrSourceIdle       = errors.New("source sent nothing for too long")
	ErrShoutcastV2      = errors.New("shoutcast v2 handshake not supported")
	ErrHandshakeTooLong = errors.New("handshake line too long")
	// ErrBadStream ends a source whose stream cannot be passed on.
	ErrBadStream = errors.New("stream cannot be passed on")
	// errRelayOff refuses the relay user while relay_password is "".
	errRelayOff = reasonError{"relay user off: relay_password is empty", ReasonUnknownUser}
	// errRelayPassword refuses a wrong relay password.
	errRelayPassword = reasonError{"wrong relay password", ReasonWrongPassword}
	// errProbe is libshout's probe password, refused without a check.
	errProbe = errors.New("probe password")
)

// reasonError is a login refusal that names its reason for the log and
// /metrics.
type reasonError struct{ msg, reason string }

func (e reasonError) Error() string  { return e.msg }
func (e reasonError) Reason() string { return e.reason }
