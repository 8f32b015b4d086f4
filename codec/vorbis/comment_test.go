package vorbis

import "testing"

// TestCommentTitle reads titles from comment headers, damaged ones too.
func TestCommentTitle(t *testing.T) {
	header := func(comments ...string) []byte {
		b := []byte("\x03vorbis")
		b = appendLE32(b, 3)
		b = append(b, "enc"...)
		b = appendLE32(b, uint32(len(comments)))
		for _, c := range comments {
			b = appendLE32(b, uint32(len(c)))
			b = append(b, c...)
		}
		return append(b, 1)
	}
	cases := []struct {
		p    []byte
		want string
	}{
		{header("ARTIST=A", "TITLE=One"), "A - One"},
		{header("title=One", "artist=A", "ARTIST=Z"), "A - One"},
		{header("TITLE= Spaced "), "Spaced"},
		{header("ARTIST=A"), ""},
		{header("ALBUM=X", "NOEQUALS"), ""},
		{header(), ""},
		{header("TITLE=One")[:20], ""},
		{[]byte("\x03vorbis\xff\xff\xff\xff"), ""},
		{append(header("TITLE=One")[:15], 0xff, 0xff, 0xff, 0x7f), ""},
	}
	for _, c := range cases {
		if got := CommentTitle(c.p); got != c.want {
			t.Errorf("CommentTitle(%q) = %q, want %q", c.p, got, c.want)
		}
	}
}

func appendLE32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

// TestCommentListTitle reads the list that OpusTags and FLAC's comment
// block carry, with no Vorbis signature in front.
func TestCommentListTitle(t *testing.T) {
	list := appendLE32(nil, 3)
	list = append(list, "enc"...)
	list = appendLE32(list, 2)
	for _, c := range []string{"TITLE=Two", "ARTIST=B"} {
		list = appendLE32(list, uint32(len(c)))
		list = append(list, c...)
	}
	if got := CommentListTitle(list); got != "B - Two" {
		t.Errorf("CommentListTitle = %q, want %q", got, "B - Two")
	}
	if got := CommentListTitle(list[:9]); got != "" {
		t.Errorf("CommentListTitle(cut) = %q, want empty", got)
	}
}
