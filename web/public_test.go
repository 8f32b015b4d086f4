package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPublicHandlerServesThePages(t *testing.T) {
	h := PublicHandler()
	for _, c := range []struct {
		path, want, contentType, frames string
	}{
		{"/", `<template id="station-card">`, "text/html", "frame-ancestors 'none'"},
		{"/embed", `id="listen"`, "text/html", "frame-ancestors *"},
		{"/public/public.js", "follow(show)", "javascript", "frame-ancestors 'none'"},
		{"/public/embed.js", "wantStation", "javascript", "frame-ancestors 'none'"},
		{"/public/feed.js", "EventSource", "javascript", "frame-ancestors 'none'"},
		{"/public/public.css", ".listen", "text/css", "frame-ancestors 'none'"},
		{"/public/embed.css", ".listen", "text/css", "frame-ancestors 'none'"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		body, _ := io.ReadAll(rec.Result().Body)
		if rec.Code != 200 || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d, want %q in %.80q", c.path, rec.Code, c.want, body)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, c.contentType) {
			t.Errorf("%s: Content-Type %q, want %s", c.path, ct, c.contentType)
		}
		csp := rec.Header().Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "media-src 'self'", c.frames} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", c.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: CSP %q, X-Content-Type-Options %q", c.path, csp, rec.Header().Get("X-Content-Type-Options"))
		}
	}
}

func TestPublicHandlerRevalidates(t *testing.T) {
	h := PublicHandler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/public/public.js", nil))
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q", etag, rec.Header().Get("Cache-Control"))
	}
	req := httptest.NewRequest("GET", "/public/public.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("unchanged file: %d with %d bytes, want 304", rec.Code, rec.Body.Len())
	}
}

func TestPublicHandlerRefuses(t *testing.T) {
	h := PublicHandler()
	for _, c := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/public/nothing.js", http.StatusNotFound},
		{"GET", "/public/", http.StatusNotFound}, // no folder listing
		{"GET", "/public/../web.go", http.StatusNotFound},
		{"GET", "/public/console.js", http.StatusNotFound},
		{"GET", "/stream", http.StatusNotFound},
		{"GET", "/index.html", http.StatusNotFound},
		{"POST", "/", http.StatusMethodNotAllowed},
		{"PUT", "/embed", http.StatusMethodNotAllowed},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.code {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, rec.Code, c.code)
		}
	}
}

// TestPublicScriptsWriteNoHTML guards the rule that every string from the
// server goes into the public pages as text: the scripts never parse HTML.
func TestPublicScriptsWriteNoHTML(t *testing.T) {
	for name, f := range PublicHandler().(*publicPages).files {
		if !strings.HasSuffix(name, ".js") && !strings.HasSuffix(name, ".html") {
			continue
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "style=", "<script>"} {
			if strings.Contains(string(f.body), bad) {
				t.Errorf("%s uses %s", name, bad)
			}
		}
	}
}
