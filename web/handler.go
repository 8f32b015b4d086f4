package web

import (
	"net/http"
	"strings"
)

// ConsoleHandler serves the console under /console: the page itself at
// /console and /console/, its script and style beside it. The page logs
// in through the API; nothing here needs credentials.
func ConsoleHandler() http.Handler {
	files := http.FileServerFS(Console())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		// Only our own script runs, and the console is never framed by
		// another site (no clickjacking of the Push to Talk button).
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-cache")
		name := strings.TrimPrefix(r.URL.Path, "/console")
		if name == "" || name == "/" {
			name = "/index.html"
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = name
		if name == "/index.html" {
			// FileServer redirects index.html to the folder; serve it as is.
			r2.URL.Path = "/"
		}
		files.ServeHTTP(w, r2)
	})
}
