// Package frames splits a live byte stream of MP3 or AAC ADTS frames into
// whole frames.
//
// A mount fans out complete frames, starts each listener's burst on a frame
// boundary and reports the stream's bitrate, sample rate and channels; all of
// that needs to know where frames begin. Source clients send whatever their
// encoder or file reader produces: ID3 tags, Xing headers, the tail of the
// previous file, bytes cut mid-frame when they reconnect. [Splitter] turns
// those arbitrary TCP reads into a clean sequence of frames without
// allocating, and [Codec.Sync] finds a frame boundary in a buffer.
//
// The splitter serves both framings (one search, one resync logic, one
// set of counters), so it lives apart from the header parsers it calls:
// package mpeg for MPEG audio, package adts for ADTS and package tags for
// the tags sources send between frames.
package frames
