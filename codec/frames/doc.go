// Package frames parses MPEG audio (MP3) and AAC ADTS frame headers and splits
// a live byte stream into whole frames.
//
// A mount fans out complete frames, starts each listener's burst on a frame
// boundary and reports the stream's bitrate, sample rate and channels; all of
// that needs to know where frames begin. Source clients send whatever their
// encoder or file reader produces: ID3 tags, Xing headers, the tail of the
// previous file, bytes cut mid-frame when they reconnect. [Splitter] turns
// those arbitrary TCP reads into a clean sequence of frames without
// allocating, and [Codec.Sync] finds a frame boundary in a buffer.
//
// Header layouts follow ISO/IEC 11172-3 (MPEG-1 audio), ISO/IEC 13818-3
// (MPEG-2 lower sample rates), the Fraunhofer MPEG-2.5 extension, and
// ISO/IEC 13818-7 / 14496-3 for ADTS. Tags follow the ID3v2.2–2.4 and ID3v1
// descriptions at id3.org and the APEv2 specification.
//
// Parsing functions return the package's sentinel errors unwrapped, so that
// rejecting garbage in the resync loop costs no allocation.
package frames
