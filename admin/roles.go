package admin

import (
	"net/http"
	"strings"

	"onair/accounts"
)

// roleRule makes the routes under path (the path itself and anything
// below it) need role for methods: "*" is every method, "write" every
// method but GET and HEAD, else one method.
type roleRule struct {
	methods string
	path    string
	role    accounts.Role
}

// adminRules are the routes a DJ may not use. Everything else an
// authenticated DJ may: reading anything but accounts, settings, logs and
// pushes, the mixer and the browser mic, skipping, the library,
// playlists, events and listeners.
var adminRules = []roleRule{
	{"*", "/api/accounts", accounts.RoleAdmin},
	{"write", "/api/bans", accounts.RoleAdmin},
	{http.MethodDelete, "/api/listeners", accounts.RoleAdmin}, // kicking a listener
	{"*", "/api/settings", accounts.RoleAdmin},
	{"*", "/api/logs", accounts.RoleAdmin},
	{"*", "/api/push", accounts.RoleAdmin}, // the server's own links, like its settings
}

// requiredRole returns the least role that may call method on path.
func requiredRole(method, path string) accounts.Role {
	for _, rule := range adminRules {
		if rule.matches(method, path) {
			return rule.role
		}
	}
	return accounts.RoleDJ
}

func (rule roleRule) matches(method, path string) bool {
	switch rule.methods {
	case "*":
	case "write":
		if method == http.MethodGet || method == http.MethodHead {
			return false
		}
	default:
		if method != rule.methods {
			return false
		}
	}
	return path == rule.path || strings.HasPrefix(path, rule.path+"/")
}
