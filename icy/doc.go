// Package icy builds and reads ICY metadata blocks, the in-band titles of
// SHOUTcast and Icecast streams.
//
// A listener that sends "Icy-MetaData: 1" gets, every icy-metaint audio bytes,
// one length byte L and then L×16 bytes holding StreamTitle='…';StreamUrl='…';
// padded with NULs (L ≤ 255, so at most 4080 bytes). Players read the title up
// to the first "';", show it as UTF-8 (or guess), and some choke on control
// characters, so titles are cleaned before they go out ([CleanTitle]). Titles
// arrive from sources as UTF-8 or, from the Winamp DSP, in the Windows-1252
// code page ([DecodeText]).
//
// [Reader] goes the other way for a relay: it takes the blocks out of an
// upstream's body and hands their titles on.
//
// [Block] is on the listener path and does not allocate; the others run once
// per title change.
package icy
