//go:build race

package library

// raceEnabled: the race detector slows everything down; timings mean nothing.
const raceEnabled = true
