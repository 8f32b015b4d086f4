package logbook

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// newTee returns a logger writing text to buf at Info and above, teed into
// a ring at level.
func newTee(buf *bytes.Buffer, level slog.Level) (*slog.Logger, *Ring[Record]) {
	ring := NewRing[Record](16)
	text := slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo})
	return slog.New(NewHandler(text, ring, level)), ring
}

// TestHandlerTeesAtLevel: records at Info and above reach both the text
// output and the ring; Debug reaches neither; the text output is what the
// text handler alone writes.
func TestHandlerTeesAtLevel(t *testing.T) {
	var buf bytes.Buffer
	log, ring := newTee(&buf, slog.LevelInfo)
	log.Debug("too chatty")
	log.Info("on air", "listen", "127.0.0.1:8000")
	log.Warn("source refused: bad password", "user", "dj")
	log.Error("store failed", "err", errors.New("disk full"))

	items := ring.Tail(nil, 10)
	if len(items) != 3 {
		t.Fatalf("ring holds %d records, want 3: %+v", len(items), items)
	}
	want := []struct {
		level      slog.Level
		msg, attrs string
	}{
		{slog.LevelInfo, "on air", "listen=127.0.0.1:8000"},
		{slog.LevelWarn, "source refused: bad password", "user=dj"},
		{slog.LevelError, "store failed", `err="disk full"`},
	}
	for i, w := range want {
		r := items[i].Value
		if r.Level != w.level || r.Message != w.msg || r.Attrs != w.attrs || time.Since(r.Time) > time.Minute {
			t.Errorf("record %d: %+v, want %v %q %q", i, r, w.level, w.msg, w.attrs)
		}
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || strings.Contains(buf.String(), "too chatty") || !strings.Contains(lines[1], `level=WARN msg="source refused: bad password" user=dj`) {
		t.Errorf("text output:\n%s", buf.String())
	}
}

// TestHandlerRingLevelAboveText: a ring at Warn keeps only warnings and
// errors while the text output still has Info.
func TestHandlerRingLevelAboveText(t *testing.T) {
	var buf bytes.Buffer
	log, ring := newTee(&buf, slog.LevelWarn)
	log.Info("state change")
	log.Warn("oddity")
	if items := ring.Tail(nil, 10); len(items) != 1 || items[0].Value.Message != "oddity" {
		t.Errorf("ring: %+v", items)
	}
	if !strings.Contains(buf.String(), "state change") {
		t.Errorf("text output lost the Info record: %s", buf.String())
	}
}

type textID int

func (textID) MarshalText() ([]byte, error) { return []byte("id-7"), nil }

// TestHandlerAttrsAsTextHandler: the ring's attribute text is the text
// handler's own, attribute for attribute: the logger's With attributes,
// groups, quoting of spaces, quotes and newlines, times, text
// marshalers, structs and empty groups.
func TestHandlerAttrsAsTextHandler(t *testing.T) {
	at := time.Date(2026, 11, 21, 10, 0, 0, 123456789, time.UTC)
	tests := []struct {
		name string
		log  func(*slog.Logger)
		want string
	}{
		{"none", func(l *slog.Logger) { l.Info("m") }, ""},
		{"with and record", func(l *slog.Logger) {
			l.With("component", "broadcast", "mount", "/live").Info("m", "remote", "127.0.0.1:5000")
		}, "component=broadcast mount=/live remote=127.0.0.1:5000"},
		{"quoting", func(l *slog.Logger) {
			l.Info("m", "agent", `VLC "3" <img src=x>`, "empty", "", "eq", "a=b", "nl", "two\nlines", "utf8", "Ça_va", "bs", `C:\x`)
		}, `agent="VLC \"3\" <img src=x>" empty="" eq="a=b" nl="two\nlines" utf8=Ça_va bs=C:\x`},
		{"numbers, bools, durations, times", func(l *slog.Logger) {
			l.Info("m", "n", 3, "f", 0.5, "ok", true, "d", 1500*time.Millisecond, "at", at)
		}, "n=3 f=0.5 ok=true d=1.5s at=2026-11-21T10:00:00.123Z"},
		{"groups", func(l *slog.Logger) {
			l.WithGroup("req").With("id", 4).Info("m", slog.Group("peer", "ip", "::1"), slog.Group("empty"))
		}, "req.id=4 req.peer.ip=::1"},
		{"inline group and empty attr", func(l *slog.Logger) {
			l.Info("m", slog.Group("", "a", 1), slog.Attr{}, "b", 2)
		}, "a=1 b=2"},
		{"marshalers and structs", func(l *slog.Logger) {
			l.Info("m", "id", textID(7), "addr", netip.MustParseAddr("10.0.0.1"), "s", struct{ A, B int }{1, 2}, "raw", []byte("x y"))
		}, `id=id-7 addr=10.0.0.1 s="{A:1 B:2}" raw="x y"`},
		{"log valuer", func(l *slog.Logger) { l.Info("m", "secret", redacted("hunter2")) }, "secret=***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log, ring := newTee(&buf, slog.LevelInfo)
			tt.log(log)
			items := ring.Tail(nil, 1)
			if len(items) != 1 {
				t.Fatal("no record kept")
			}
			if got := items[0].Value.Attrs; got != tt.want {
				t.Errorf("attrs\n got %s\nwant %s", got, tt.want)
			}
			// The text handler wrote the same after the message.
			_, textAttrs, _ := strings.Cut(strings.TrimSpace(buf.String()), "msg=m")
			if got := strings.TrimSpace(textAttrs); got != tt.want {
				t.Errorf("the text handler wrote %s, the ring %s", got, tt.want)
			}
		})
	}
}

type redacted string

func (redacted) LogValue() slog.Value { return slog.StringValue("***") }

// TestHandlerEnabled: the tee takes a level when either side does.
func TestHandlerEnabled(t *testing.T) {
	var buf bytes.Buffer
	ring := NewRing[Record](4)
	text := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})
	h := NewHandler(text, ring, slog.LevelInfo)
	if !h.Enabled(t.Context(), slog.LevelInfo) || h.Enabled(t.Context(), slog.LevelDebug) {
		t.Error("Enabled: want Info (the ring's) but not Debug")
	}
	slog.New(h).Info("ring only")
	if buf.Len() != 0 || len(ring.Tail(nil, 4)) != 1 {
		t.Errorf("text %q, ring %d records: want the Info record in the ring only", buf.String(), len(ring.Tail(nil, 4)))
	}
}

// BenchmarkHandler is the cost the tee adds to a log call (compare with
// sub-benchmark "text only").
func BenchmarkHandler(b *testing.B) {
	for _, tee := range []bool{false, true} {
		name := "text only"
		if tee {
			name = "teed"
		}
		b.Run(name, func(b *testing.B) {
			var h slog.Handler = slog.NewTextHandler(discard{}, nil)
			if tee {
				h = NewHandler(h, NewRing[Record](DefaultSize), slog.LevelInfo)
			}
			log := slog.New(h).With("component", "broadcast")
			b.ReportAllocs()
			for b.Loop() {
				log.Info("listener left", "mount", "/stream", "bytes", 123456)
			}
		})
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
