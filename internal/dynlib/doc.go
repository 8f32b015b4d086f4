// Package dynlib loads C libraries at run time with purego, without cgo,
// so that one binary for each architecture uses LAME, PortAudio or libopus
// where they are installed and says what to install where they are not.
//
// It is what those loaders share: opening the library, binding functions
// with an error (not a panic) for a missing or uncallable one, closing the
// library when binding fails, and the raw call that does not allocate.
// Loading is supported on Linux only; elsewhere Load always fails.
package dynlib
