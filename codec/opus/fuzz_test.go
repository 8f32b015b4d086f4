package opus

import "testing"

// FuzzHeaders reads arbitrary bytes as a DJ's OpusHead and OpusTags:
// nothing may panic, and what parses builds back to a packet that parses
// the same.
func FuzzHeaders(f *testing.F) {
	f.Add(Head{Channels: 2, PreSkip: 312, InputRate: 48000}.Append(nil))
	f.Add([]byte("OpusHead\x01\x06\x38\x01\x80\xbb\x00\x00\x00\x00\x01\x04\x02\x00\x04\x01\x02\x03\x05"))
	f.Add(Tags{Vendor: "ffmpeg", Comments: []string{"TITLE=a", "ARTIST=b"}}.Append(nil))
	f.Add([]byte("OpusTags\xff\xff\xff\xff"))
	f.Add([]byte("OpusTags\x00\x00\x00\x00\xff\xff\xff\xff\x05\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if h, err := ParseHead(b); err == nil {
			if again, err := ParseHead(h.Append(nil)); err != nil || again != h {
				t.Fatalf("OpusHead %+v built and read back as %+v, %v", h, again, err)
			}
		}
		TagsTitle(b)
		if tags, err := ParseTags(b); err == nil {
			again, err := ParseTags(tags.Append(nil))
			if err != nil || again.Vendor != tags.Vendor || len(again.Comments) != len(tags.Comments) {
				t.Fatalf("OpusTags %+v built and read back as %+v, %v", tags, again, err)
			}
		}
	})
}
