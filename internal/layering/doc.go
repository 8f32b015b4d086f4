// Package layering holds the rules of which OnAir packages may import
// which, and the test that checks the module against them.
//
// The rules keep the dependency arrows one way: the codec layer (codec/...,
// dsp/...) serves the broadcast server, the mixer and the library, and so
// imports none of them; the mixer and the broadcast server meet only
// through small interfaces; the library and the playlists read files
// without the mixer and know nothing of the stations that play them.
// To add a rule, add a row to Rules.
package layering
