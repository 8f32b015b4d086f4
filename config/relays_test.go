package config

import (
	"strings"
	"testing"
	"time"
)

func TestRelaysValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		relay Relay
		want  string // "" = valid
	}{
		{"ok", Relay{Mount: "/edge", Upstreams: []string{"http://a:8000/s", "https://u:p@b/s"}}, ""},
		{"no upstreams", Relay{Mount: "/edge"}, "'relays[0].upstreams' must list at least one URL"},
		{"ftp", Relay{Mount: "/edge", Upstreams: []string{"ftp://a/s"}}, "'relays[0].upstreams[0]' \"ftp://a/s\": only http:// and https://"},
		{"no host", Relay{Mount: "/edge", Upstreams: []string{"http:///s"}}, "has no host"},
		{"bad mount", Relay{Mount: "edge", Upstreams: []string{"http://a/s"}}, "relays[0].mount"},
		{"station's", Relay{Mount: "/stream", Upstreams: []string{"http://a/s"}}, "already used by station"},
		{"fallback unknown", Relay{Mount: "/edge", Upstreams: []string{"http://a/s"}, Fallback: "/nope"}, "'relays[0].fallback' must name"},
		{"fallback self", Relay{Mount: "/edge", Upstreams: []string{"http://a/s"}, Fallback: "/edge"}, "not the relay's own"},
		{"fallback station", Relay{Mount: "/edge", Upstreams: []string{"http://a/s"}, Fallback: "/stream"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.Relays = []Relay{tc.relay}
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("valid relay refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestRelayMasterChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    RelayMaster
		want string // "" = valid
	}{
		{"off", RelayMaster{}, ""},
		{"default interval", RelayMaster{URL: "http://origin:8000"}, ""},
		{"interval ok", RelayMaster{URL: "https://origin", Interval: 15 * time.Second}, ""},
		{"too often", RelayMaster{URL: "http://origin:8000", Interval: 5 * time.Second}, "relay_master.interval"},
		{"too rare", RelayMaster{URL: "http://origin:8000", Interval: 2 * time.Hour}, "relay_master.interval"},
		{"scheme", RelayMaster{URL: "ftp://origin"}, "only http:// and https://"},
		{"no host", RelayMaster{URL: "http:///x"}, "relay_master.url"},
		{"a path", RelayMaster{URL: "http://origin:8000/stream"}, "base URL"},
		{"userinfo", RelayMaster{URL: "http://relay:pw@origin:8000"}, "relay_master.user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.RelayMaster = tc.m
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("want valid, got %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("want an error about %q, got %v", tc.want, err)
			}
		})
	}
}
