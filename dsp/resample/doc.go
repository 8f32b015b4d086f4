// Package resample converts interleaved float32 audio between sample rates.
//
// A [Resampler] is a windowed-sinc polyphase filter written for the station:
// every track is brought to the station rate before it is mixed, so the
// filter has to be transparent (flat to 18 kHz, aliases and images more than
// 100 dB down at [Best]) and cheap enough for a Raspberry Pi ([Fast]).
//
// The filter is a Kaiser-windowed sinc whose length is counted in periods of
// the lower of the two rates: 64 at Best, 32 at Fast. Upsampling reads that
// many input frames per output frame; downsampling reads proportionally more
// (72 at Best from 48 kHz to 44.1 kHz), so that the transition band sits in
// the same place relative to the output's Nyquist frequency whatever the
// ratio. The cutoff is just below half the lower rate: the passband ends and
// the stopband begins at 0.408 and 0.5 of the lower rate at Best (18 kHz and
// 22.05 kHz at 44.1 kHz), at 0.363 and 0.5 at Fast.
//
// For a ratio out/in = L/M in lowest terms the filter is tabulated in L
// phases, one per distinct output position between two input frames, so the
// output is exactly that of upsampling by L, filtering and keeping every Mth
// sample (48 kHz to 44.1 kHz is 147/160: 147 phases). When L is so large that
// the table would pass 512 KiB (44.056 kHz to 48 kHz is 6000/5507), the
// table holds 512 phases instead and coefficients are interpolated linearly
// between the two nearest ones; that costs a second multiply-add per tap and
// leaves errors below -110 dB.
//
// The output is time-aligned with the input: output frame k is the input
// signal at time k·in/out, and N input frames give ceil(N·out/in) output
// frames in all. An output frame needs half a filter length of input after
// it, so [Resampler.Process] holds that much back ([Resampler.Latency]) and
// [Resampler.Flush] releases it at the end of a stream. Equal rates pass
// audio through unchanged.
package resample
