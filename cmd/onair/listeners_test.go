package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"onair/internal/testenv"
)

// relayFrame is frame n of a synthetic MPEG-1 layer III stream at 128
// kbps, 44.1 kHz: a valid header and a payload that numbers it.
func relayFrame(n int) []byte {
	f := make([]byte, 417)
	copy(f, []byte{0xFF, 0xFB, 0x90, 0x64})
	binary.BigEndian.PutUint32(f[4:], uint32(n))
	return f
}

// pushRelay connects an Icecast source to mount and sends frames at about
// real time until the test ends.
func pushRelay(t *testing.T, base, mount string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "SOURCE "+mount+" HTTP/1.0\r\nAuthorization: Basic "+base64.StdEncoding.EncodeToString([]byte("source:s0urce"))+
		"\r\nContent-Type: audio/mpeg\r\nice-bitrate: 128\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	status, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.Contains(status, " 200") {
		t.Fatalf("source on %s: %q, %v", mount, status, err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		// 200 frames at once fill the burst, then 4 per 100 ms (26 ms each).
		for n := 0; n < 200+4*600; n++ {
			if n >= 200 && n%4 == 0 {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
			}
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(relayFrame(n)); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		c.Close()
		<-done
	})
}

// streamReader reads a listener's stream in the background and counts
// the bytes until the stream ends.
type streamReader struct {
	bytes atomic.Int64
	ended chan struct{}
}

// openStream sends a player's request on c and reads the stream in the
// background, returning the status line.
func openStream(t *testing.T, c net.Conn, path, extra string) (string, *streamReader) {
	t.Helper()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	t.Cleanup(func() { c.Close() })
	io.WriteString(c, "GET "+path+" HTTP/1.0\r\nUser-Agent: ban-test\r\n"+extra+"\r\n")
	br := bufio.NewReader(c)
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	sr := &streamReader{ended: make(chan struct{})}
	go func() {
		defer close(sr.ended)
		buf := make([]byte, 8192)
		for {
			n, err := br.Read(buf)
			sr.bytes.Add(int64(n))
			if err != nil {
				return
			}
		}
	}()
	return strings.TrimSpace(status), sr
}

// waitBytes waits, up to 20 s, until the stream has brought n bytes.
func (sr *streamReader) waitBytes(t *testing.T, what string, n int64) {
	t.Helper()
	if !testenv.Poll(20*time.Second, func() bool { return sr.bytes.Load() >= n }) {
		t.Fatalf("%s: only %d bytes in 20 s", what, sr.bytes.Load())
	}
}

func (sr *streamReader) waitEnd(t *testing.T, what string) {
	t.Helper()
	select {
	case <-sr.ended:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: the stream did not end", what)
	}
}

type apiListener struct {
	ID          uint64    `json:"id"`
	Mount       string    `json:"mount"`
	IP          string    `json:"ip"`
	UserAgent   string    `json:"user_agent"`
	ConnectedAt time.Time `json:"connected_at"`
	BytesSent   int64     `json:"bytes_sent"`
	Seconds     int64     `json:"seconds"`
	Bitrate     int       `json:"bitrate"`
}

// writeCert writes a self-signed certificate for 127.0.0.1 into dir and
// returns the files and a pool that trusts it.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	certPEM, keyPEM := testenv.SelfSignedCert(t)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return certFile, keyFile, pool
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// The binary end to end: a listener over HTTPS and one behind a trusted
// proxy are listed; banning the proxied client's network kicks it and
// refuses it with 403 while the HTTPS listener plays on; kicking through
// the API ends the other; lifting the ban lets the client back in.
func TestBinaryListenersBansAndHTTPS(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	certFile, keyFile, pool := writeCert(t, dir)
	tlsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	yaml := fmt.Sprintf("stations: []\nmounts:\n  - path: /relay\ntrusted_proxies: [\"127.0.0.1\"]\n"+
		"tls_listen: %q\ntls_cert: %q\ntls_key: %q\n", tlsAddr, certFile, keyFile)
	_, base := startAt(t, bin, dir, yaml)
	pushRelay(t, base, "/relay")
	tlsCfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	host := strings.TrimPrefix(base, "http://")

	proxied, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	status, viaProxy := openStream(t, proxied, "/relay", "X-Forwarded-For: 192.0.2.77, 203.0.113.9\r\n")
	if !strings.Contains(status, " 200") {
		t.Fatalf("proxied listener: %q", status)
	}
	secure, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", tlsAddr, tlsCfg)
	if err != nil {
		t.Fatalf("dial %s over TLS: %v", tlsAddr, err)
	}
	status, overTLS := openStream(t, secure, "/relay", "")
	if !strings.Contains(status, " 200") {
		t.Fatalf("listener over HTTPS: %q", status)
	}
	viaProxy.waitBytes(t, "proxied listener", 32<<10)
	overTLS.waitBytes(t, "listener over HTTPS", 32<<10)

	https := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	defer https.CloseIdleConnections()
	resp, err := https.Get("https://" + tlsAddr + "/status-json.xsl")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"listenurl":"https://`+tlsAddr+`/relay"`)) {
		t.Fatalf("status-json.xsl over HTTPS: %d %s", resp.StatusCode, body)
	}

	var list []apiListener
	if code := getJSON(t, "GET", base+"/api/listeners?mount=/relay", &list); code != 200 || len(list) != 2 {
		t.Fatalf("GET /api/listeners: %d %+v", code, list)
	}
	ips := map[string]apiListener{}
	for _, l := range list {
		ips[l.IP] = l
		if l.Mount != "/relay" || l.UserAgent != "ban-test" || l.Bitrate != 128 || l.BytesSent <= 0 || l.ConnectedAt.IsZero() {
			t.Errorf("listener: %+v", l)
		}
	}
	if _, ok := ips["203.0.113.9"]; !ok {
		t.Fatalf("the proxied listener is not listed by its client's address: %+v", list)
	}
	secureID := ips["127.0.0.1"].ID
	if secureID == 0 {
		t.Fatalf("the HTTPS listener is not listed as 127.0.0.1: %+v", list)
	}

	// Listeners count once they have stayed a second.
	if !testenv.Poll(20*time.Second, func() bool { return listenerHistory(t, base, "/relay").Peak >= 2 }) {
		t.Fatal("the two listeners were not counted within 20 s")
	}

	var ban struct {
		Prefix string `json:"prefix"`
		Kicked int    `json:"kicked"`
	}
	if code := sendJSON(t, "POST", base+"/api/bans", map[string]string{"prefix": "203.0.113.0/24", "reason": "test"}, &ban); code != 201 ||
		ban.Prefix != "203.0.113.0/24" || ban.Kicked != 1 {
		t.Fatalf("POST /api/bans: %d %+v", code, ban)
	}
	viaProxy.waitEnd(t, "banned listener")
	before := overTLS.bytes.Load()
	overTLS.waitBytes(t, "HTTPS listener after the ban", before+16<<10)

	again, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := openStream(t, again, "/relay", "X-Forwarded-For: 203.0.113.50\r\n"); !strings.Contains(status, " 403") {
		t.Fatalf("banned client's new listener: %q, want 403", status)
	}

	if code := sendJSON(t, "DELETE", fmt.Sprintf("%s/api/listeners/%d", base, secureID), nil, nil); code != 200 {
		t.Fatalf("kick: %d", code)
	}
	overTLS.waitEnd(t, "kicked listener")
	if code := sendJSON(t, "DELETE", fmt.Sprintf("%s/api/listeners/%d", base, secureID), nil, nil); code != 404 {
		t.Fatalf("kick of a listener gone: %d, want 404", code)
	}

	// The live peak outlasts the listeners: no minute's sample saw them.
	if hist := listenerHistory(t, base, "/relay"); hist.Peak != 2 || hist.Samples == nil {
		t.Fatalf("history after both left: %+v, want peak 2", hist)
	}

	if code := sendJSON(t, "DELETE", base+"/api/bans/203.0.113.0%2F24", nil, nil); code != 200 {
		t.Fatalf("lift the ban: %d", code)
	}
	back, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := openStream(t, back, "/relay", "X-Forwarded-For: 203.0.113.50\r\n"); !strings.Contains(status, " 200") {
		t.Fatalf("client after the ban was lifted: %q, want 200", status)
	}
}

type listenerCounts struct {
	Mount   string `json:"mount"`
	Peak    int    `json:"peak"`
	Samples []struct {
		At        time.Time `json:"at"`
		Listeners int       `json:"listeners"`
	} `json:"samples"`
}

func listenerHistory(t *testing.T, base, mount string) listenerCounts {
	t.Helper()
	var h listenerCounts
	if code := getJSON(t, "GET", base+"/api/listeners/history?hours=24&mount="+mount, &h); code != 200 || h.Mount != mount {
		t.Fatalf("GET /api/listeners/history: %d %+v", code, h)
	}
	return h
}

// A TLS certificate that cannot be used stops onair at start, naming the
// setting and the problem.
func TestBadTLSCertificateStopsStartup(t *testing.T) {
	dir := t.TempDir()
	certFile, _, _ := writeCert(t, dir)
	_, otherKey, _ := writeCert(t, t.TempDir())
	for _, tt := range []struct {
		name, cert, key, want string
	}{
		{"missing certificate", filepath.Join(dir, "nope.pem"), filepath.Join(dir, "key.pem"), "'tls_cert' cannot be read"},
		{"missing key", certFile, filepath.Join(dir, "nokey.pem"), "'tls_key' cannot be read"},
		{"key of another certificate", certFile, otherKey, "are not a valid key pair"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "onair.yaml")
			os.WriteFile(cfg, []byte(fmt.Sprintf("listen: \"127.0.0.1:0\"\ndata_dir: %q\ntls_listen: \"127.0.0.1:0\"\ntls_cert: %q\ntls_key: %q\n",
				filepath.Join(t.TempDir(), "data"), tt.cert, tt.key)), 0o600)
			for _, args := range [][]string{{"-config", cfg}, {"check-config", "-config", cfg}} {
				var out, errb bytes.Buffer
				code := realMain(args, &out, &errb)
				if code == 0 || !strings.Contains(errb.String(), tt.want) || !strings.Contains(errb.String(), cfg) {
					t.Errorf("onair %v: exit %d, %q; want non-zero and %q with the file", args, code, errb.String(), tt.want)
				}
			}
		})
	}
}
