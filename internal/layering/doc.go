// Package layering holds the rules of which OnAir packages may import
// which, and the test that checks the module against them.
//
// The rules keep the dependency arrows one way: the codec layer (codec/...,
// dsp/...) serves the broadcast server, the mixer and the library, and so
// imports none of them; the mixer and the broadcast server meet only
// through small interfaces; the library reads files without the mixer.
// To add a rule, add a row to Rules.
package layering
