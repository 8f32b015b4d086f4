// Package output runs a station's further encodings of its mix (its
// outputs): each takes a copy of every block the engine makes, brings it
// to its own rate when that differs from the station's, encodes it in its
// own goroutine and writes the frames to its mount, with the station's
// titles placed at the sample where they are heard.
//
// The audio loop only copies a block into the output's ring, preallocated,
// and never waits: an encoder slower than real time loses blocks, counted
// in Dropped, rather than holding up the mix, the station's mount or the
// other outputs. The ring holds 2.5 s of audio: the most the engine makes
// at once, when it catches up after the machine stalled.
package output
