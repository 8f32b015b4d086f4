package broadcast

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"onair/internal/testenv"
)

// startTLS serves ts over HTTPS on another loopback port and returns its
// address and a client configuration that trusts its certificate.
func startTLS(t *testing.T, ts *testServer) (string, *tls.Config) {
	t.Helper()
	certPEM, keyPEM := testenv.SelfSignedCert(t)
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ts.ServeTLS(ln, &tls.Config{Certificates: []tls.Certificate{cert}}) }()
	t.Cleanup(func() {
		ts.Close()
		<-done
	})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func dialTLS(t *testing.T, addr string, cfg *tls.Config) net.Conn {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		t.Fatalf("dial %s over TLS: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// The HTTPS port serves what the HTTP port does: a source pushing over
// TLS, a listener over TLS hearing it whole and in order, a listener over
// TLS on a mount fed over plain HTTP, and the status pages, whose listen
// URLs then say https.
func TestTLSListenersSourcesAndStatus(t *testing.T) {
	ts := startServer(t, nil)
	addr, cfg := startTLS(t, ts)

	// A PUT source over TLS on a mount it creates.
	sc := dialTLS(t, addr, cfg)
	io.WriteString(sc, "PUT /secure HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "+basic("source", testSourcePass)+
		"\r\nContent-Type: audio/mpeg\r\nExpect: 100-continue\r\n\r\n")
	sbr := bufio.NewReader(sc)
	for range 10 {
		line, err := sbr.ReadString('\n')
		if err != nil {
			t.Fatalf("source over TLS: %v", err)
		}
		if strings.HasPrefix(line, "HTTP/1.0 200") {
			break
		}
	}
	src := &sourceClient{conn: sc, br: sbr}
	src.send(t, 80) // frames go out in chunks of about 4 KiB: more than are read
	testenv.WaitFor(t, "the TLS source on air", func() bool { m := ts.Mount("/secure"); return m != nil && m.HasAudio() })

	l := openListener(t, dialTLS(t, addr, cfg), "/secure", "Icy-MetaData: 1\r\n")
	if !strings.HasPrefix(l.status, "HTTP/1.0 200") || l.headers["content-type"] != "audio/mpeg" || l.headers["icy-metaint"] == "" {
		t.Fatalf("listener over TLS: %q %v", l.status, l.headers)
	}
	l.metaint, l.left = 16000, 16000
	got := l.readFrames(t, 40)
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("frames over TLS out of order: %v", got)
		}
	}

	// A plain-HTTP source, heard over TLS.
	plain := startIcecastSource(t, ts, "/stream", "")
	plain.send(t, 40)
	l2 := openListener(t, dialTLS(t, addr, cfg), "/stream", "")
	if !strings.HasPrefix(l2.status, "HTTP/1.0 200") {
		t.Fatalf("listener over TLS on /stream: %q", l2.status)
	}
	l2.readFrames(t, 20)
	if n := len(ts.ListenerList("")); n != 2 {
		t.Fatalf("%d listeners listed, want 2", n)
	}

	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
	defer cl.CloseIdleConnections()
	resp, err := cl.Get("https://" + addr + "/status-json.xsl")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Icestats struct {
			Source []struct {
				ListenURL string `json:"listenurl"`
			} `json:"source"`
		} `json:"icestats"`
	}
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || resp.ProtoMajor != 1 {
		t.Fatalf("status-json.xsl over TLS: %d %s, %v", resp.StatusCode, resp.Proto, err)
	}
	if len(st.Icestats.Source) != 2 || !strings.HasPrefix(st.Icestats.Source[0].ListenURL, "https://"+addr+"/") {
		t.Fatalf("status-json.xsl over TLS: %+v", st)
	}
	resp, err = cl.Get("https://" + addr + "/stream.m3u")
	if err != nil {
		t.Fatal(err)
	}
	m3u, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(m3u), "https://"+addr+"/stream") {
		t.Fatalf("stream.m3u over TLS: %q", m3u)
	}

	// Plain HTTP on the TLS port is told what is wrong, not served.
	c := dial(t, addr)
	io.WriteString(c, "GET /status-json.xsl HTTP/1.0\r\n\r\n")
	status, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.Contains(status, "400") {
		t.Fatalf("plain HTTP on the TLS port: %q, want 400", status)
	}
}
