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
	// errProbe is libshout's probe password, refused without a check.
	errProbe = errors.New("probe password")
)
