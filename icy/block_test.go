package icy

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// pad returns content as a block: length byte, content, NULs to a multiple of 16.
func pad(content string) []byte {
	l := (len(content) + 15) / 16
	b := append([]byte{byte(l)}, content...)
	return append(b, make([]byte, l*16-len(content))...)
}

func TestBlockExact(t *testing.T) {
	tests := []struct {
		name       string
		title, url string
		want       []byte
	}{
		{
			// 17 bytes of content: two 16-byte units, 15 NULs.
			name: "small title", title: "Hi",
			want: append([]byte{2}, "StreamTitle='Hi';\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"...),
		},
		{
			name: "empty title", title: "",
			want: append([]byte{1}, "StreamTitle='';\x00"...),
		},
		{
			// Exactly 16 bytes: one unit, no padding.
			name: "content of exactly 16 bytes", title: "a",
			want: append([]byte{1}, "StreamTitle='a';"...),
		},
		{
			name: "title and url", title: "Artist - Song", url: "http://example.org/",
			want: pad("StreamTitle='Artist - Song';StreamUrl='http://example.org/';"),
		},
		{
			name: "url of only spaces is left out", title: "A", url: "  \r\n ",
			want: pad("StreamTitle='A';"),
		},
		{
			name: "quotes stay", title: `Guns N' Roses - "Rock 'n' Roll"`,
			want: pad(`StreamTitle='Guns N' Roses - "Rock 'n' Roll"';`),
		},
		{
			name: "title ending in a quote", title: "Rock 'n'",
			want: pad("StreamTitle='Rock 'n'';"),
		},
		{
			name: "'; is broken", title: "It';s ';';",
			want: pad("StreamTitle='It’;s ’;’;';"),
		},
		{
			name: "'; in the url", title: "T", url: "http://x/?a=';",
			want: pad("StreamTitle='T';StreamUrl='http://x/?a=’;';"),
		},
		{
			name: "control bytes", title: "\x00 Artist\r\nSong\x00\x7f\tX\x01 ",
			want: pad("StreamTitle='Artist Song X';"),
		},
		{
			name: "invalid UTF-8", title: "caf\xe9",
			want: pad("StreamTitle='caf\uFFFD';"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Block(nil, tt.title, tt.url)
			if !bytes.Equal(got, tt.want) {
				t.Errorf("Block(%q, %q) =\n%q\nwant\n%q", tt.title, tt.url, got, tt.want)
			}
		})
	}
}

func TestBlockAppends(t *testing.T) {
	dst := []byte("audio")
	got := Block(dst, "Hi", "")
	if string(got[:5]) != "audio" || !bytes.Equal(got[5:], Block(nil, "Hi", "")) {
		t.Errorf("Block did not append: %q", got)
	}
}

func TestBlockLimits(t *testing.T) {
	long := strings.Repeat("x", 10<<10)
	tests := []struct {
		name       string
		title, url string
		wantTitle  string
		wantURL    string
	}{
		{
			name: "10 KB title", title: long,
			wantTitle: long[:4080-15],
		},
		{
			// 4063 bytes, then an emoji that would end at 4067 > 4065.
			name: "emoji across the limit", title: strings.Repeat("a", 4063) + "😀 tail",
			wantTitle: strings.Repeat("a", 4063),
		},
		{
			name: "emoji just fits", title: strings.Repeat("a", 4061) + "😀 tail",
			wantTitle: strings.Repeat("a", 4061) + "😀",
		},
		{
			// Cut at 4065 bytes, the space before the cut is trimmed.
			name: "cut after a space", title: strings.Repeat("a", 4064) + " bcd",
			wantTitle: strings.Repeat("a", 4064),
		},
		{
			name: "10 KB title with a url", title: long, url: "http://example.org/",
			wantTitle: long[:4080-15-13-19], wantURL: "http://example.org/",
		},
		{
			name: "10 KB url", title: "Song", url: long,
			wantTitle: "", wantURL: long[:4080-15-13],
		},
		{
			name: "10 KB of control bytes", title: strings.Repeat("\x00", 10<<10) + "ok",
			wantTitle: "ok",
		},
		{
			// Each invalid byte becomes 3 bytes of U+FFFD: 1355 fit.
			name: "10 KB of invalid bytes", title: strings.Repeat("\xff", 10<<10),
			wantTitle: strings.Repeat("\uFFFD", 1355),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Block(nil, tt.title, tt.url)
			if len(b) > MaxBlock || len(b) != 1+16*int(b[0]) {
				t.Fatalf("block of %d bytes, length byte %d", len(b), b[0])
			}
			title, url, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if title != tt.wantTitle || url != tt.wantURL {
				t.Errorf("title %d bytes %q…, url %d bytes; want %d bytes, %d bytes",
					len(title), title[max(0, len(title)-8):], len(url), len(tt.wantTitle), len(tt.wantURL))
			}
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name       string
		block      []byte
		title, url string
		err        error
	}{
		{name: "empty", block: nil, err: ErrShortBlock},
		{name: "lone zero", block: []byte{0}, err: ErrNoTitle},
		{name: "short", block: []byte{2, 'S'}, err: ErrShortBlock},
		{name: "no title", block: pad("StreamUrl='x';"), err: ErrNoTitle},
		{name: "unterminated title", block: pad("StreamTitle='abc'"), err: ErrUnterminated},
		{name: "unterminated url", block: pad("StreamTitle='a';StreamUrl='x"), err: ErrUnterminated},
		{name: "title and url", block: pad("StreamTitle='A - B';StreamUrl='http://x/';"), title: "A - B", url: "http://x/"},
		{name: "first '; ends the title", block: pad("StreamTitle='A';B';"), title: "A"},
		{name: "Windows-1252 from upstream", block: pad("StreamTitle='Beyonc\xe9 \x93Halo\x94';"), title: "Beyoncé “Halo”"},
		{name: "trailing bytes ignored", block: append(pad("StreamTitle='A';"), "audio"...), title: "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, url, err := Parse(tt.block)
			if !errors.Is(err, tt.err) || title != tt.title || url != tt.url {
				t.Errorf("Parse(%q) = %q, %q, %v; want %q, %q, %v", tt.block, title, url, err, tt.title, tt.url, tt.err)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	titles := []string{
		"", "Hi", "  Artist - Title  ", "Rock 'n' Roll", "a';b", "';", "'", ";", "\x00\x00",
		"Beyoncé", "日本語のタイトル", "emoji 🎵🎶", "tab\there", "line\r\nbreak", "caf\xe9", "\xff\xfe",
		"\u0085next line", "nbsp\u00a0", strings.Repeat("ab'; ", 2000),
	}
	for _, title := range titles {
		for _, url := range []string{"", "http://example.org/a?b=c", "x';y"} {
			b := Block(nil, title, url)
			gotTitle, gotURL, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse(Block(%q, %q)): %v", title, url, err)
			}
			wantTitle := CleanTitle(title)
			if len(wantTitle) <= 4000 && gotTitle != wantTitle {
				t.Errorf("title %q: parsed %q, want %q", title, gotTitle, wantTitle)
			}
			if !strings.HasPrefix(wantTitle, gotTitle) || !utf8.ValidString(gotTitle) {
				t.Errorf("title %q: parsed %q, not a valid prefix of %q", title, gotTitle, wantTitle)
			}
			if gotURL != CleanTitle(url) {
				t.Errorf("url %q: parsed %q, want %q", url, gotURL, CleanTitle(url))
			}
		}
	}
}

func TestBlockNoAllocs(t *testing.T) {
	dst := make([]byte, 0, MaxBlock)
	title := "Ärtist - Söng (Remix) ';" + strings.Repeat("x", 5000)
	allocs := testing.AllocsPerRun(100, func() {
		dst = Block(dst[:0], title, "http://example.org/")
	})
	if allocs != 0 {
		t.Errorf("Block allocates %v times with a reused dst", allocs)
	}
}
