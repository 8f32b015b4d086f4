package opus

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestHeadRoundTrip: OpusHead as built reads back, and carries RFC 7845
// §5.1's bytes: magic, version 1, channels, pre-skip, rate, gain, family.
func TestHeadRoundTrip(t *testing.T) {
	h := Head{Channels: 2, PreSkip: 312, InputRate: 44100, OutputGain: -256}
	b := h.Append(nil)
	want := "OpusHead\x01\x02\x38\x01\x44\xac\x00\x00\x00\xff\x00"
	if string(b) != want {
		t.Errorf("OpusHead % x, want % x", b, want)
	}
	got, err := ParseHead(b)
	if err != nil || got != h {
		t.Errorf("ParseHead = %+v, %v; want %+v", got, err, h)
	}
}

// TestHeadRefusals: damaged heads, versions past 0.x and channel mapping
// families other than 0 are ErrHeader, the latter saying so.
func TestHeadRefusals(t *testing.T) {
	good := Head{Channels: 2, PreSkip: 312, InputRate: 48000}.Append(nil)
	with := func(i int, v byte) []byte {
		b := append([]byte(nil), good...)
		b[i] = v
		return b
	}
	cases := []struct {
		name    string
		b       []byte
		mention string
	}{
		{"cut short", good[:18], "not an OpusHead"},
		{"another magic", append([]byte("OpusTags"), good[8:]...), "not an OpusHead"},
		{"version 16", with(8, 16), "version 16"},
		{"family 1", append(with(18, 1), 2, 1, 0, 1), "channel mapping family 1 (2 channels): only family 0"},
		{"family 255", with(18, 255), "channel mapping family 255"},
		{"3 channels in family 0", with(9, 3), "3 channels"},
		{"no channels", with(9, 0), "0 channels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseHead(c.b)
			if !errors.Is(err, ErrHeader) || !strings.Contains(err.Error(), c.mention) {
				t.Errorf("ParseHead = %v, want ErrHeader saying %q", err, c.mention)
			}
		})
	}
	// Minor versions of 0 are read (§5.1: a decoder must take 0…15).
	if _, err := ParseHead(with(8, 15)); err != nil {
		t.Errorf("version 15: %v", err)
	}
}

// TestTags: OpusTags round-trips, its title reads as the other codecs'
// do, and damage is ErrHeader.
func TestTags(t *testing.T) {
	tags := Tags{Vendor: "onair", Comments: []string{"TITLE=Night Shift", "artist=The Hosts", "GENRE=talk"}}
	b := tags.Append(nil)
	got, err := ParseTags(b)
	if err != nil || !reflect.DeepEqual(got, tags) {
		t.Errorf("ParseTags = %+v, %v; want %+v", got, err, tags)
	}
	if title := TagsTitle(b); title != "The Hosts - Night Shift" {
		t.Errorf("TagsTitle = %q", title)
	}
	if title := TagsTitle(Tags{Vendor: "x", Comments: []string{"TITLE=Alone"}}.Append(nil)); title != "Alone" {
		t.Errorf("TagsTitle without an artist = %q", title)
	}
	for n := range len(b) {
		if _, err := ParseTags(b[:n]); !errors.Is(err, ErrHeader) {
			t.Fatalf("ParseTags of %d bytes of %d = %v, want ErrHeader", n, len(b), err)
		}
	}
	if TagsTitle([]byte("OpusHead")) != "" {
		t.Error("a title from OpusHead")
	}
}
