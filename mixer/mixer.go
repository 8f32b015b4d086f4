// Package mixer is a station's audio engine: it plays tracks one after the
// other with an equal-power crossfade, mixes in the microphone under the
// talk-over faders (Push to Talk, Lock) and a live DJ's show, limits the
// sum, encodes it and hands the encoded frames to a sink (a broadcast
// mount), paced by the count of samples produced. Inputs on other clocks
// (the mic, the live show) reach the loop through a Feed. One goroutine runs the loop; control arrives as
// messages and state leaves as atomic snapshots, so nothing in the loop
// waits on a web request.
package mixer

import (
	"context"
	"time"
)

// BlockFrames is the engine's block: one MPEG-1 Layer III frame of audio.
const BlockFrames = 1152

// FrameSink receives the encoded stream; a broadcast.Mount is one.
type FrameSink interface {
	WriteFrame(frame []byte, now time.Time)
	SetTitle(title, url string, now time.Time)
	Flush(now time.Time)
}

// Encoder turns interleaved stereo float32 PCM into MP3 bytes. Its output
// need not line up with MP3 frames.
type Encoder interface {
	Encode(dst []byte, pcm []float32) ([]byte, error)
}

// Tap hears the mix as it goes to the encoder: a station's further
// outputs are taps. Its methods run on the audio loop: they must return
// at once and keep nothing they are given.
type Tap interface {
	// Block takes a copy of the next samples of the mix, interleaved
	// stereo float32 at the station's rate, after the limiter.
	Block(pcm []float32)
	// Title says that title takes effect at sample at, counted per
	// channel from the first sample Block was given.
	Title(at int64, title string)
}

// PCM is a track's audio: interleaved stereo float32 at the station's rate.
type PCM interface {
	// Read fills buf (an even length) and returns the values written;
	// io.EOF at the end.
	Read(buf []float32) (int, error)
	Close() error
}

// Track is a track opened and ready to play.
type Track struct {
	Path     string
	Title    string // what listeners see: "Artist - Title"
	Artist   string
	Name     string // the title tag alone
	Duration time.Duration
	Audio    PCM
	// Gain is the linear gain that brings the track to the station's
	// loudness target, applied to its samples before the mixer's levels
	// (LoudnessGain); 0 means none (unity).
	Gain float32
	// Where it came from, filled in by the queue from the picker's choice.
	TrackID    int64
	PlaylistID int64
	Playlist   string
	upcoming   *Upcoming // the queue's entry for it while it waits
}

// TrackSource hands the engine its next track.
type TrackSource interface {
	// Next returns a track ready to play, or nil when none is ready yet.
	// It never waits: opening files is the source's work, off the loop.
	Next() *Track
}

// Awaiter is a TrackSource that opens tracks in the background and can
// be waited on; a Queue is one. The engine waits on it once, before its
// first block, so that it goes on air with the first track rather than
// with silence while the file is still being opened.
type Awaiter interface {
	TrackSource
	// Await returns a track as soon as one is ready; nil when ctx ends
	// first or when the source has found nothing to play for now.
	Await(ctx context.Context) *Track
}

// NowPlaying is what the station is playing, as listeners hear it.
type NowPlaying struct {
	Title     string
	Artist    string
	Name      string
	Path      string
	StartedAt time.Time
	Duration  time.Duration
	Idle      bool // nothing to play: silence
	Live      bool // a live DJ is on air
	// The library's track and the playlist it came from (0 when none).
	TrackID    int64
	PlaylistID int64
	Playlist   string
}
