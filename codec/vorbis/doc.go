// Package vorbis reads Vorbis streams (Vorbis I specification): the
// identification, comment and setup headers, and audio packets through
// github.com/jfreymuth/vorbis, guarded so that a damaged or hostile stream
// can neither hang nor crash the server.
//
// The library trusts the setup header, so CheckSetup walks it first and
// mends what the library reads wrong; Decoder does that for every stream
// and turns the library's panics into errors. Downmix brings any channel
// layout to stereo. The live decoder and the library's probe decode
// packets with Decoder; the file decoder checks setup headers and mixes
// down here too.
package vorbis
