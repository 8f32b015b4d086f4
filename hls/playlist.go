package hls

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strconv"
	"time"
)

// Playlist renders the live media playlist of snap, each segment's URI
// being base + its sequence number + "." + its extension. It returns the
// text and a strong ETag for it; an empty snapshot gives nil.
func (s *Snapshot) Playlist(base string) (body []byte, etag string) {
	segs := s.Listed()
	if len(segs) == 0 {
		return nil, ""
	}
	target := int(math.Round(s.Target.Seconds()))
	for _, g := range segs {
		// EXTINF rounded to the nearest second must not exceed it.
		if d := int(math.Round(g.Seconds())); d > target {
			target = d
		}
	}
	b := make([]byte, 0, 128+len(segs)*(len(base)+96))
	b = append(b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:"...)
	b = strconv.AppendInt(b, int64(target), 10)
	b = append(b, "\n#EXT-X-MEDIA-SEQUENCE:"...)
	b = strconv.AppendUint(b, segs[0].Seq, 10)
	if segs[0].DiscSeq > 0 {
		b = append(b, "\n#EXT-X-DISCONTINUITY-SEQUENCE:"...)
		b = strconv.AppendUint(b, segs[0].DiscSeq, 10)
	}
	b = append(b, '\n')
	for i, g := range segs {
		if g.Disc && i > 0 {
			b = append(b, "#EXT-X-DISCONTINUITY\n"...)
		}
		b = append(b, "#EXT-X-PROGRAM-DATE-TIME:"...)
		b = g.Date.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
		b = append(b, "\n#EXTINF:"...)
		b = strconv.AppendFloat(b, g.Seconds(), 'f', 5, 64)
		b = append(b, ",\n"...)
		b = append(b, base...)
		b = strconv.AppendUint(b, g.Seq, 10)
		b = append(b, '.')
		b = append(b, g.Ext...)
		b = append(b, '\n')
	}
	sum := sha256.Sum256(b)
	return b, `"` + hex.EncodeToString(sum[:8]) + `"`
}

// MaxAge is how long a cache may keep the playlist: half a segment at
// most, so that it never hides more than that of the live edge.
func (s *Snapshot) MaxAge() time.Duration { return s.Target / 2 }
