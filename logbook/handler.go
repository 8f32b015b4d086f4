package logbook

import (
	"context"
	"encoding"
	"fmt"
	"log/slog"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// Record is one entry of the error log: a log/slog record as the console
// shows it.
type Record struct {
	Time    time.Time
	Level   slog.Level
	Message string
	// Attrs are the record's attributes, and those its logger was made
	// with, as key=value pairs the way slog's text handler writes them:
	// group names joined with dots, values quoted when they hold spaces,
	// quotes or control characters.
	Attrs string
}

// Handler is a slog.Handler that hands every record to the handler it
// wraps, unchanged, and keeps those at its level or above in a ring. The
// record is formatted once, as the text handler would; the ring's lock is
// held only to store it.
type Handler struct {
	next  slog.Handler
	ring  *Ring[Record]
	level slog.Leveler
	attrs string // the logger's own attributes, formatted once by WithAttrs
	group string // the open groups, as "a.b."
}

// NewHandler tees records at level and above into ring, passing every
// record on to next as well.
func NewHandler(next slog.Handler, ring *Ring[Record], level slog.Leveler) *Handler {
	if level == nil {
		level = slog.LevelInfo
	}
	return &Handler{next: next, ring: ring, level: level}
}

// Enabled reports whether either the ring or the wrapped handler takes
// records at level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.level.Level() || h.next.Enabled(ctx, level)
}

// Handle passes r on, then keeps it when it is at the ring's level. The
// wrapped handler's error is returned; the ring cannot fail.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if h.next.Enabled(ctx, r.Level) {
		err = h.next.Handle(ctx, r)
	}
	if r.Level < h.level.Level() {
		return err
	}
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	h.ring.Add(Record{Time: t, Level: r.Level, Message: r.Message, Attrs: h.format(r)})
	return err
}

// format writes the logger's attributes and the record's as text.
func (h *Handler) format(r slog.Record) string {
	if r.NumAttrs() == 0 {
		return h.attrs
	}
	var scratch [256]byte
	b := append(scratch[:0], h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		b = appendAttr(b, h.group, a)
		return true
	})
	return string(b)
}

// WithAttrs returns a handler whose records carry attrs too.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.next = h.next.WithAttrs(attrs)
	b := []byte(h.attrs)
	for _, a := range attrs {
		b = appendAttr(b, h.group, a)
	}
	h2.attrs = string(b)
	return &h2
}

// WithGroup returns a handler that puts later attributes in group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.next = h.next.WithGroup(name)
	h2.group = h.group + name + "."
	return &h2
}

// appendAttr appends " key=value" (without the space at the start of b),
// following slog's rules: empty attributes and empty groups are left out,
// a group's attributes are named after it, an unnamed group's inline.
func appendAttr(b []byte, prefix string, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return b
	}
	if a.Value.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, ga := range a.Value.Group() {
			b = appendAttr(b, prefix, ga)
		}
		return b
	}
	if len(b) > 0 {
		b = append(b, ' ')
	}
	b = appendText(b, prefix+a.Key)
	b = append(b, '=')
	return appendValue(b, a.Value)
}

// appendValue writes v as the text handler does: times to the
// millisecond, text marshalers by their text, other values with %+v.
func appendValue(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindFloat64:
		return strconv.AppendFloat(b, v.Float64(), 'g', -1, 64)
	case slog.KindTime:
		return v.Time().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	case slog.KindAny:
		switch x := v.Any().(type) {
		case encoding.TextMarshaler:
			text, err := x.MarshalText()
			if err != nil {
				return appendText(b, "!ERROR:"+err.Error())
			}
			return appendText(b, string(text))
		case []byte:
			return strconv.AppendQuote(b, string(x))
		default:
			return appendText(b, fmt.Sprintf("%+v", x))
		}
	}
	return appendText(b, v.String())
}

// appendText appends s, quoted when it would not read back as one word:
// empty, or holding spaces, '=', quotes, control characters or bytes that
// are not UTF-8.
func appendText(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '=' || c == '"' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += n
	}
	return false
}
