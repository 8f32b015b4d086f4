//go:build !race

package playlist

// raceEnabled: the race detector slows everything down; timings mean nothing.
const raceEnabled = false
