package icy

import (
	"strings"
	"testing"
)

func TestCleanTitle(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"Artist - Title", "Artist - Title"},
		{"  padded\t", "padded"},
		{"Artist\r\nTitle", "Artist Title"},
		{"a\x00b", "a b"},
		{"a\x00\x01\x02b", "a b"},
		{"a \x00 b", "a   b"},
		{"del\x7f", "del"},
		{"c1\u0085\u009fx", "c1 x"},
		{"\u00a0nbsp\u3000", "nbsp"},
		{"it';s", "it’;s"},
		{"';';", "’;’;"},
		{"'';", "'’;"},
		{"' ;", "' ;"},
		{"'\x00;", "' ;"},
		{"Rock 'n' Roll", "Rock 'n' Roll"},
		{"end'", "end'"},
		{"Beyonc\xe9", "Beyonc\uFFFD"},
		{"\xff\xfe", "\uFFFD\uFFFD"},
		{"ok \U0001F3B5", "ok \U0001F3B5"},
		{"already ’;", "already ’;"},
	}
	for _, tt := range tests {
		got := CleanTitle(tt.in)
		if got != tt.want {
			t.Errorf("CleanTitle(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := CleanTitle(got); again != got {
			t.Errorf("CleanTitle not idempotent on %q: %q", got, again)
		}
		if n := cleanLen(tt.in); n != len(tt.want) {
			t.Errorf("cleanLen(%q) = %d, want %d", tt.in, n, len(tt.want))
		}
		if strings.Contains(got, "';") {
			t.Errorf("CleanTitle(%q) = %q still holds ';", tt.in, got)
		}
	}
}

func TestCleanTitleKeepsCleanString(t *testing.T) {
	for _, s := range []string{"Artist - Title", "Beyoncé – Halo"} {
		if n := testing.AllocsPerRun(10, func() { _ = CleanTitle(s) }); s == "Artist - Title" && n != 0 {
			t.Errorf("CleanTitle(%q) allocates %v times", s, n)
		}
		if got := CleanTitle(s); got != s {
			t.Errorf("CleanTitle(%q) = %q", s, got)
		}
	}
}
