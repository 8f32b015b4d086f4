// Package flac decodes FLAC (RFC 9639) in pure Go: the "fLaC" marker and
// metadata blocks of a native stream, frames with their subframes and
// residuals, and the headers of the FLAC-in-Ogg mapping (RFC 9639
// §10.1: first packet 0x7F "FLAC", then one metadata block and later
// one frame per packet).
//
// A damaged or hostile frame is an error for that frame only: every size
// a stream states is bounded before it is used, and the Decoder's buffers
// are sized once from STREAMINFO (or grown once), so that decoding a frame
// allocates nothing in steady state. Samples come out as interleaved
// float32 in [−1, 1); Downmix brings any channel layout to stereo.
package flac
