// Package ogg reads and writes Ogg pages (RFC 3533): the capture pattern,
// the header fields, the CRC, the segment table, and the packets the
// segments of one logical stream join into; and it names the codec of a
// logical stream from its first packet.
//
// The live decoder, the file decoder and the library's probe all walk Ogg
// pages through this package, so they agree on what a page is; Writer
// lays a logical stream's packets out on pages for the encoders. It knows
// nothing of the codecs inside (package vorbis reads Vorbis packets).
//
// The page parsers return the package's sentinel errors unwrapped, so that
// a search through garbage for the next page does not allocate.
package ogg
