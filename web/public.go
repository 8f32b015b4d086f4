package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// Public is the public pages' files: the station page (index.html), the
// embeddable player (embed.html) and their scripts and styles.
func Public() fs.FS {
	sub, err := fs.Sub(files, "public")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Content Security Policies of the public pages: only our own scripts,
// styles and streams. The station page is never framed (no clickjacking
// of its buttons); the small player exists to be framed by other sites.
const (
	publicCSP = "default-src 'self'; img-src 'self' data:; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	embedCSP  = "default-src 'self'; img-src 'self' data:; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"
)

// publicFile is one file of the public pages, read once.
type publicFile struct {
	body []byte
	etag string
}

// publicPages serves the public pages from memory.
type publicPages struct {
	files map[string]publicFile // by name: "index.html", "public.js"
}

// PublicHandler serves the public pages: the station page at "/", the
// small player for other sites at "/embed" (?station= or ?mount= picks
// the stream), and their files under /public/. The broadcast server hands
// it "/" only when a browser navigates there; players get the stream. The
// pages read the public API; nothing here needs credentials.
func PublicHandler() http.Handler {
	p := &publicPages{files: map[string]publicFile{}}
	entries, err := fs.ReadDir(Public(), ".")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := fs.ReadFile(Public(), e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		p.files[e.Name()] = publicFile{body: body, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	return p
}

func (p *publicPages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var name string
	switch path := r.URL.Path; {
	case path == "/":
		name = "index.html"
	case path == "/embed":
		name = "embed.html"
	case strings.HasPrefix(path, "/public/"):
		name = strings.TrimPrefix(path, "/public/")
	}
	f, ok := p.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	if name == "embed.html" {
		h.Set("Content-Security-Policy", embedCSP)
	} else {
		h.Set("Content-Security-Policy", publicCSP)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	// Revalidated on every visit, cheaply: a new binary's pages show at
	// once, an unchanged file answers 304.
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
}
