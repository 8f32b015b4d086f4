// Package opus encodes and decodes Opus (RFC 6716) with libopus, loaded at
// run time (Debian's libopus0) without cgo, and reads and writes the Ogg
// Opus headers, OpusHead and OpusTags (RFC 7845 §5), and whole Ogg Opus
// streams of chained logical streams, one per title.
//
// A Library is loaded once by its user and makes Encoders and Decoders.
// The per-packet calls go through dynlib.Call on buffers the Encoder or
// Decoder owns, so that steady state does not allocate.
package opus
