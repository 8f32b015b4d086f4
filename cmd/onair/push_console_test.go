package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"onair/internal/testenv"
)

type pushResult struct {
	OK      bool       `json:"ok"`
	Error   string     `json:"error"`
	Steps   []string   `json:"steps"`
	Console []string   `json:"console"`
	Rows    [][]string `json:"rows"`
	Phone   struct {
		ScrollWidth int `json:"scrollWidth"`
	} `json:"phone"`
	DJ struct {
		PushVisible bool `json:"pushVisible"`
	} `json:"dj"`
}

// fakeIcecast accepts source requests on a loopback port: with answer
// "" it takes the stream (100 Continue, then 200), else it answers that
// and hangs up. It returns its host:port.
func fakeIcecast(t *testing.T, answer string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					if l, err := br.ReadString('\n'); err != nil || l == "\r\n" {
						break
					}
				}
				if answer != "" {
					io.WriteString(c, answer)
					return
				}
				io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\n")
				io.Copy(io.Discard, br)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// TestPushConsole: a station pushed to a server that takes it and to one
// that refuses it. In headless Chromium the admin sees both pushes under
// Listeners, with states, bytes sent and the refusal's answer, and no
// password; the page fits a phone; a DJ does not see the pushes.
func TestPushConsole(t *testing.T) {
	dir, node := testenv.E2EDir(t, "../..")
	music := t.TempDir()
	makeTones(t, music, 60, 500)
	takes := fakeIcecast(t, "")
	refuses := fakeIcecast(t, "HTTP/1.0 401 Unauthorized\r\nContent-Type: text/plain\r\n\r\nwrong password for /pushed\r\n")
	base := runBinary(t, fmt.Sprintf(`stations:
  - id: main
    mount: /stream
    media_dirs: [%q]
push:
  - mount: /stream
    url: "icecast://source:takes-pw@%s/pushed"
  - mount: /stream
    url: "icecast://source:refused-pw@%s/pushed"
`, music, takes, refuses))
	admin := apiAs{user: "admin", pass: "adm1n"}
	if resp := admin.call(t, "POST", base+"/api/accounts", map[string]string{"username": "dj.kim", "password": "kim-pass-1", "role": "dj"}, nil); resp.StatusCode != 201 {
		t.Fatalf("create the DJ account: %d", resp.StatusCode)
	}

	var res pushResult
	err := testenv.RunScript(t, node, dir, "push.mjs", 90*time.Second, &res, base, "admin", "adm1n", "dj.kim", "kim-pass-1")
	if err != nil || !res.OK {
		t.Fatalf("the push console test failed (exit %v): %s\nsteps %v\nconsole %q", err, res.Error, res.Steps, res.Console)
	}
	if len(res.Steps) != 4 || len(res.Rows) != 2 {
		t.Fatalf("steps %v, rows %q", res.Steps, res.Rows)
	}
	for i, want := range []struct{ target, state, answer string }{
		{"icecast://source:xxxxx@" + takes + "/pushed", "connected", ""},
		{"icecast://source:xxxxx@" + refuses + "/pushed", "failed", "HTTP/1.0 401 Unauthorized: wrong password for /pushed"},
	} {
		row := res.Rows[i]
		if len(row) != 6 || row[0] != "/stream" || row[1] != want.target || row[2] != want.state || row[5] != want.answer {
			t.Errorf("row %d: %q, want target %q, state %q, answer %q", i, row, want.target, want.state, want.answer)
		}
		if strings.Contains(strings.Join(row, " "), "-pw") {
			t.Errorf("row %d shows a password: %q", i, row)
		}
	}
	if !strings.HasSuffix(res.Rows[0][4], "KB") && !strings.HasSuffix(res.Rows[0][4], "MB") {
		t.Errorf("bytes sent %q", res.Rows[0][4])
	}
	if res.Phone.ScrollWidth > 390 {
		t.Errorf("at 390 px the page is %d px wide", res.Phone.ScrollWidth)
	}
	if res.DJ.PushVisible {
		t.Error("a DJ sees the pushes")
	}
}
