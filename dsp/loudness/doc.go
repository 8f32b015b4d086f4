// Package loudness measures loudness as ITU-R BS.1770-4 and EBU R128
// define it: integrated loudness (LUFS) with the absolute (−70 LUFS) and
// relative (−10 LU) gates, momentary (400 ms) and short-term (3 s)
// loudness, loudness range (EBU Tech 3342), and true peak (dBTP) by 4×
// oversampling.
//
// A [Meter] takes interleaved float32 audio in pieces of any length and
// keeps no more state than a few kilobytes per channel and two fixed
// histograms, however long the programme: it can follow a live stream
// for days, or measure a whole track for the library.
//
// The K-weighting filter is the two biquads of BS.1770. Their 48 kHz
// coefficients, as the recommendation tabulates them, are mapped back to
// their analogue prototypes (a shelf and a high-pass, each with its own
// pre-warped corner) and re-derived by the bilinear transform for the
// meter's rate, so every rate gets the filter 48 kHz has.
package loudness
