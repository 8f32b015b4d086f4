package ogg

import (
	"bytes"
	"testing"
)

// TestDropEmptyLastPacket: a zero-length packet at a page's end goes, and
// the page stays valid; a 0 that ends a packet of 255 bytes stays.
func TestDropEmptyLastPacket(t *testing.T) {
	long := bytes.Repeat([]byte{7}, 255)
	for _, tc := range []struct {
		name    string
		packets [][]byte
		want    []byte // lacing values after
	}{
		{"empty last", [][]byte{[]byte("abc"), long, {}}, []byte{3, 255, 0}},
		{"255 bytes last", [][]byte{[]byte("abc"), long}, []byte{3, 255, 0}},
		{"no empty", [][]byte{[]byte("abc"), []byte("de")}, []byte{3, 2}},
		{"two empty", [][]byte{[]byte("abc"), {}, {}}, []byte{3, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testPage(EOS, 5, 9, 960, tc.packets...)
			out, _ := DropEmptyLastPacket(in, nil)
			p, err := ParsePage(out)
			if err != nil {
				t.Fatalf("rewritten page: %v", err)
			}
			if !bytes.Equal(p.Segments, tc.want) || p.Flags != EOS || p.Serial != 5 || p.Sequence != 9 || p.Granule != 960 {
				t.Errorf("page %+v, want lacing %v", p, tc.want)
			}
		})
	}
}
