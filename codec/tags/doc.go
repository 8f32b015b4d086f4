// Package tags finds the metadata tags around the audio of MP3 and AAC
// files and streams: ID3v2 at the start (and, appended, at the end), ID3v1,
// APEv1/v2 and Lyrics3 at the end.
//
// Source clients that stream files as they are send these tags between
// frames, and files carry them before and after the audio; none of it is
// audio, and a decoder or a frame splitter that takes their bytes for
// frames plays noise or miscounts the duration. Every reader in OnAir
// finds them here, so they agree on where the audio is.
//
// Layouts follow the ID3v2.2–2.4 and ID3v1 descriptions at id3.org, the
// APEv2 specification and the Lyrics3 v1 and v2.00 descriptions.
package tags
