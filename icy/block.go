package icy

import "bytes"

// MaxBlock is the longest metadata block: the length byte and 255×16 bytes.
const MaxBlock = 1 + 255*16

const (
	maxContent  = MaxBlock - 1
	titlePrefix = "StreamTitle='"
	urlPrefix   = "StreamUrl='"
	fieldEnd    = "';"
	nuls        = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
)

// Block appends one metadata block to dst and returns the extended slice: a
// length byte L, then L×16 bytes holding StreamTitle='title'; and, when the
// cleaned url is not empty, StreamUrl='url';, padded with NULs.
//
// Title and url are cleaned as by [CleanTitle]. The content never exceeds
// 255×16 = 4080 bytes: the title is cut first, on a UTF-8 rune boundary (and
// white space then left at its end trimmed), and the url only when it does
// not fit even beside an empty title. An empty title still gives a title
// field, which players take as "no title":
//
//	StreamTitle='';
//
// Block does not allocate when dst has room for [MaxBlock] more bytes. A
// listener whose title has not changed gets a lone 0x00 instead, which is not
// Block's business.
func Block(dst []byte, title, url string) []byte {
	const fixed = len(titlePrefix) + len(fieldEnd)
	urlLen := 0
	if url != "" {
		urlLen = cleanLen(url)
	}
	titleMax := maxContent - fixed
	urlMax := 0
	if urlLen > 0 {
		urlMax = min(urlLen, titleMax-len(urlPrefix)-len(fieldEnd))
		titleMax -= len(urlPrefix) + urlMax + len(fieldEnd)
	}
	start := len(dst)
	dst = append(dst, 0) // the length byte, set below
	dst = append(dst, titlePrefix...)
	dst = appendClean(dst, title, titleMax)
	dst = append(dst, fieldEnd...)
	if urlLen > 0 {
		dst = append(dst, urlPrefix...)
		dst = appendClean(dst, url, urlMax)
		dst = append(dst, fieldEnd...)
	}
	n := len(dst) - start - 1
	l := (n + 15) / 16
	dst = append(dst, nuls[:l*16-n]...)
	dst[start] = byte(l)
	return dst
}

// Parse reads a metadata block as [Block] writes it, or as an upstream server
// sends it: the title from "StreamTitle='" up to the first "';", and the url
// likewise from "StreamUrl='" after it, or "" when there is none. Both are
// decoded with [DecodeText], so they are valid UTF-8 even from a server that
// sends Windows-1252. block must hold at least 1+16×block[0] bytes; bytes
// after those are ignored. A lone 0x00 (title unchanged) gives ErrNoTitle.
func Parse(block []byte) (title, url string, err error) {
	if len(block) == 0 || len(block) < 1+16*int(block[0]) {
		return "", "", ErrShortBlock
	}
	content := block[1 : 1+16*int(block[0])]
	t, rest, err := field(content, titlePrefix)
	if err != nil {
		return "", "", err
	}
	if t == nil {
		return "", "", ErrNoTitle
	}
	u, _, err := field(rest, urlPrefix)
	if err != nil {
		return "", "", err
	}
	return DecodeText(t), DecodeText(u), nil
}

// field finds key='value'; in b and returns value (nil when key is absent)
// and what follows the field.
func field(b []byte, key string) (value, rest []byte, err error) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return nil, b, nil
	}
	b = b[i+len(key):]
	j := bytes.Index(b, []byte(fieldEnd))
	if j < 0 {
		return nil, nil, ErrUnterminated
	}
	return b[:j:j], b[j+len(fieldEnd):], nil
}
