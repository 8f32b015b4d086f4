// Package live decodes a live DJ's source stream into PCM for the mixer's
// Live channel.
//
// The broadcast server hands a [Decoder] the source's body bytes exactly
// as they arrive, in chunks of any size, on the source's connection
// goroutine. The Decoder recognises the format from the bytes themselves
// (the declared Content-Type is only checked at connect time, by
// [Check]), cuts the stream into MP3 frames or Ogg pages and Vorbis or
// FLAC packets, decodes them, brings them to stereo at the station rate and
// writes them to a [Sink]. The Sink is a bounded ring the audio loop
// drains in real time: when it is full the Decoder waits, which blocks
// the source's goroutine and lets TCP flow control pace the encoder.
//
// Damage in the middle of a stream is skipped: the Decoder finds the next
// frame or page and goes on. Only a format the mixer does not take, or a
// stream with nothing decodable in it for a long stretch, makes it fail.
package live
