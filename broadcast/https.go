package broadcast

import "net/http"

// IsHTTPS reports whether r came over TLS, directly or through a trusted
// proxy that says its client used HTTPS. The API marks its session cookie
// Secure by it.
func (s *Server) IsHTTPS(r *http.Request) bool { return s.scheme(r) == "https" }
