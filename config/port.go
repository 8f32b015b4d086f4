package config

import (
	"fmt"
	"strconv"
	"strings"
)

// PortSetting is the shoutcast_port setting: PortAuto, PortOff, or a TCP
// port number 1..65535. In YAML it is written auto, 0 or a number.
type PortSetting int

const (
	// PortAuto means the HTTP listen port + 1.
	PortAuto PortSetting = -1
	// PortOff disables the listener.
	PortOff PortSetting = 0
)

// Resolve returns the TCP port to listen on given the HTTP listen port, or 0
// when the listener is off. PortAuto gives httpPort+1; it gives 0 when
// httpPort is 0 (a random port has no "next" port) or 65535 (no next port).
func (p PortSetting) Resolve(httpPort int) int {
	if p == PortAuto {
		if httpPort <= 0 || httpPort >= 65535 {
			return 0
		}
		return httpPort + 1
	}
	if p < 0 || p > 65535 {
		return 0
	}
	return int(p)
}

// Valid reports whether p is PortAuto, PortOff or a port 1..65535.
func (p PortSetting) Valid() bool {
	return p == PortAuto || (p >= 0 && p <= 65535)
}

// String returns "auto" or the port number ("0" for off).
func (p PortSetting) String() string {
	if p == PortAuto {
		return "auto"
	}
	return strconv.Itoa(int(p))
}

// MarshalText writes p as String does.
func (p PortSetting) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("port setting %d out of range", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText accepts "auto" (any case), "0" (off) or a port 1..65535.
func (p *PortSetting) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	if strings.EqualFold(s, "auto") {
		*p = PortAuto
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("must be auto, 0 (off) or a port 1..65535, not %q", s)
	}
	*p = PortSetting(n)
	return nil
}
