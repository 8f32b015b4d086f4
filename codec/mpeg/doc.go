// Package mpeg reads the headers of MPEG audio frames (layers I, II and III,
// "MP3" for short) and the Xing, Info and VBRI frames that encoders put
// before the audio.
//
// Header layouts follow ISO/IEC 11172-3 §2.4.2.3 (MPEG-1 audio), ISO/IEC
// 13818-3 (MPEG-2 lower sample rates) and the Fraunhofer MPEG-2.5
// extension. Every reader of MP3 in OnAir (the broadcast server's frame
// splitter, the file and live decoders, the library's probe) parses headers
// here, so they agree on what a frame is.
//
// Parsing functions return the package's sentinel errors unwrapped, so that
// rejecting garbage in a resync loop costs no allocation.
package mpeg
