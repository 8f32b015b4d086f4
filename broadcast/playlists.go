package broadcast

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// playlistFile answers /mount.m3u, /mount.pls, /mount.xspf and /listen.pls
// (the default mount) with a playlist naming the mount's URL, so a click in
// a browser opens Winamp or VLC. ok is false when p is no such file.
func (s *Server) playlistFile(w http.ResponseWriter, r *http.Request, p string) bool {
	var base, ext string
	if p == "/listen.pls" {
		ext = ".pls"
		if m := s.defaultMount(); m != nil {
			base = m.Path
		} else {
			base = s.opts.DefaultMount
		}
	} else {
		for _, e := range []string{".m3u", ".pls", ".xspf"} {
			if strings.HasSuffix(p, e) {
				base, ext = strings.TrimSuffix(p, e), e
				break
			}
		}
	}
	if ext == "" {
		return false
	}
	m := s.Mount(base)
	if m == nil || m.Settings().Input {
		return false
	}
	url := s.scheme(r) + "://" + s.host(r) + m.Path
	name := m.Path
	if info := m.Info(); info != nil && info.Name != "" {
		name = info.Name
	}
	switch ext {
	case ".m3u":
		w.Header().Set("Content-Type", "audio/x-mpegurl")
		_, _ = w.Write([]byte("#EXTM3U\n#EXTINF:-1," + oneLine(name) + "\n" + url + "\n"))
	case ".pls":
		w.Header().Set("Content-Type", "audio/x-scpls")
		_, _ = w.Write([]byte("[playlist]\nNumberOfEntries=1\nFile1=" + url + "\nTitle1=" + oneLine(name) +
			"\nLength1=-1\nVersion=2\n"))
	case ".xspf":
		type track struct {
			Location string `xml:"location"`
			Title    string `xml:"title"`
		}
		type playlist struct {
			XMLName xml.Name `xml:"playlist"`
			Version string   `xml:"version,attr"`
			NS      string   `xml:"xmlns,attr"`
			Title   string   `xml:"title"`
			Tracks  []track  `xml:"trackList>track"`
		}
		out, _ := xml.MarshalIndent(playlist{Version: "1", NS: "http://xspf.org/ns/0/", Title: name,
			Tracks: []track{{Location: url, Title: name}}}, "", "  ")
		w.Header().Set("Content-Type", "application/xspf+xml")
		_, _ = w.Write([]byte(xml.Header))
		_, _ = w.Write(append(out, '\n'))
	}
	return true
}

// oneLine keeps a name from adding lines to a playlist file.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
