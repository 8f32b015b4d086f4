package broadcast

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"onair/hls"
)

// serveHLS answers /MOUNT.m3u8 and the segment URLs the playlist names,
// /hls/MOUNT/<epoch>-<seq>.<ext>. ok is false when p is neither. A mount
// of the same path wins, as it is routed first.
func (s *Server) serveHLS(w http.ResponseWriter, r *http.Request, p string) bool {
	if base, isList := strings.CutSuffix(p, ".m3u8"); isList {
		m := s.Mount(base)
		if m == nil || m.Settings().Input {
			return false
		}
		if hlsMethod(w, r) {
			s.servePlaylistHLS(w, r, m)
		}
		return true
	}
	rest, isSeg := strings.CutPrefix(p, "/hls/")
	if !isSeg {
		return false
	}
	slash := strings.LastIndexByte(rest, '/')
	if slash < 0 {
		return false
	}
	m := s.Mount("/" + rest[:slash])
	if m == nil || m.Settings().Input {
		return false
	}
	if hlsMethod(w, r) {
		serveSegment(w, r, m, p)
	}
	return true
}

// hlsMethod opens HLS to any origin (players on other sites fetch with
// hls.js) and answers what is not GET or HEAD itself.
func hlsMethod(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Expose-Headers", "Content-Length, Content-Range, ETag, Age")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		return true
	case http.MethodOptions:
		h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Range, If-None-Match")
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
	default:
		h.Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
	return false
}

// servePlaylistHLS serves the mount's live playlist, counting the client
// as an HLS listener. Caches may keep it half a segment at most.
func (s *Server) servePlaylistHLS(w http.ResponseWriter, r *http.Request, m *Mount) {
	snap := m.hls.Snapshot()
	if snap.Body == nil && m.carriesOgg() {
		http.Error(w, "no HLS for Ogg: HLS carries MP3 and AAC mounts", http.StatusNotFound)
		return
	}
	if snap.Body == nil {
		http.Error(w, "no HLS segments yet", http.StatusNotFound)
		return
	}
	// Once a source's grace ran out with no successor the stream has
	// ended, for HLS players as for the others.
	if m.gone.Load() && !m.OnAir() {
		http.Error(w, "not on air", http.StatusNotFound)
		return
	}
	m.hlsAudience.Seen(s.ClientAddr(r).String(), r.UserAgent(), time.Now(), 2*snap.Target)
	h := w.Header()
	h.Set("Content-Type", "application/vnd.apple.mpegurl")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(snap.MaxAge()/time.Second)))
	h.Set("ETag", snap.ETag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(snap.Body))
}

// serveSegment serves a kept segment: its URL never names other bytes,
// so caches may keep it as long as they like; Range works.
func serveSegment(w http.ResponseWriter, r *http.Request, m *Mount, p string) {
	snap := m.hls.Snapshot()
	seg := findSegment(snap, m, p)
	if seg == nil {
		http.Error(w, "no such segment", http.StatusNotFound)
		return
	}
	h := w.Header()
	if seg.Ext == "aac" {
		h.Set("Content-Type", "audio/aac")
	} else {
		h.Set("Content-Type", "audio/mpeg")
	}
	// A year: the bytes never change; the URL is gone from the list
	// long before.
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+strconv.FormatUint(seg.Seq, 10)+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(seg.Data))
}

// findSegment returns the kept segment p names, or nil.
func findSegment(snap *hls.Snapshot, m *Mount, p string) *hls.Segment {
	name, ok := strings.CutPrefix(p, m.hls.Base())
	if !ok {
		return nil
	}
	num, ext, ok := strings.Cut(name, ".")
	if !ok {
		return nil
	}
	seq, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return nil
	}
	seg := snap.Find(seq)
	if seg == nil || seg.Ext != ext {
		return nil
	}
	return seg
}

// HLSListeners is the number of HLS listeners of the mount now: distinct
// (address, User-Agent) pairs that fetched its playlist within two
// segment times.
func (m *Mount) HLSListeners() int {
	return m.hlsAudience.Count(time.Now(), 2*m.hls.Snapshot().Target)
}
