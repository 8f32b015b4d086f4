// Package adts reads the headers of ADTS frames (ISO/IEC 13818-7 §6.2 and
// 14496-3 §1.A.2.2): the framing AAC streams use over ICY and Icecast.
//
// ParseHeader returns the package's sentinel errors unwrapped, so that
// rejecting garbage in a resync loop costs no allocation.
package adts
