package config

import (
	"strings"
	"testing"
)

func TestPushRules(t *testing.T) {
	const forms = `such as "icecast://source:pass@host:8000/mount" or "shoutcast://pass@host:8001"`
	tests := []struct{ name, mount, url, want string }{
		{"unknown mount", "/nowhere", "icecast://source:pw@h:8000/m",
			`onair.yaml:3: 'mount' must name a station's mount or a listed mount, not "/nowhere"`},
		{"a live input", "/live", "icecast://source:pw@h:8000/m",
			`onair.yaml:3: 'mount' must name a station's mount or a listed mount, not "/live"`},
		{"http scheme", "/stream", "http://source:pw@h:8000/m",
			`onair.yaml:4: 'url' must start with icecast:// or shoutcast://, not "http:"`},
		{"no host", "/stream", "icecast://source:pw@:8000/m", `onair.yaml:4: 'url' must name a host, ` + forms},
		{"no port", "/stream", "icecast://source:pw@h/m", `onair.yaml:4: 'url' must give a port 1..65535, ` + forms},
		{"no password", "/stream", "shoutcast://h:8001", `onair.yaml:4: 'url' must give the remote's source password, ` + forms},
		{"icecast without user", "/stream", "icecast://pw@h:8000/m",
			`onair.yaml:4: 'url' must give user and password as "user:pass@", such as "source:pass@"`},
		{"icecast without mount", "/stream", "icecast://source:pw@h:8000",
			`onair.yaml:4: 'url' must end with the remote mount: must not be empty`},
		{"shoutcast with a path", "/stream", "shoutcast://pw@h:8001/x",
			`onair.yaml:4: 'url' must not have a path: SHOUTcast v1 has one stream per port (use "?sid=2" for a DNAS 2 stream id)`},
		{"shoutcast bad sid", "/stream", "shoutcast://pw@h:8001?sid=x",
			`onair.yaml:4: 'url' sid must be a stream id 1 or more, not "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yml := "push:\n  -\n    mount: " + tt.mount + "\n    url: \"" + tt.url + "\"\n"
			_, err := Parse("onair.yaml", []byte(yml))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v\nwant %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestPushAccepted(t *testing.T) {
	yml := `mounts:
  - path: /relay
push:
  - mount: /stream
    url: "icecast://source:pass@host:8000/mount"
  - mount: /relay
    url: "shoutcast://pass@host:8001?sid=2"
`
	c, err := Parse("onair.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Push) != 2 || c.Push[1].Mount != "/relay" {
		t.Fatalf("push %+v", c.Push)
	}
	if Default().Push == nil {
		t.Error("Default().Push is nil")
	}
}
