// Package hls cuts a live MP3 or AAC stream into HLS segments (RFC 8216
// packed audio) and renders the live media playlist that lists them.
//
// A [Segmenter] is fed whole frames by a mount's one writer goroutine. It
// cuts a segment at the first frame boundary where the segment's duration,
// counted exactly in samples, reaches the target, and publishes an
// immutable [Snapshot] through an atomic pointer: HTTP handlers read
// snapshots and share no lock with the writer. Each segment starts with an
// ID3v2.4 tag holding its 90 kHz timestamp (PRIV
// com.apple.streaming.transportStreamTimestamp), which runs on from segment
// to segment, and the title in force (TIT2).
//
// A snapshot keeps the listed window plus a grace of two segments that were
// dropped from the list but may still be fetched by a player that read an
// older playlist; older segments are let go, which bounds memory.
package hls
