package live

import (
	"context"
	"fmt"
	"time"

	"onair/dsp"
	"onair/dsp/resample"
)

// Sink takes decoded audio for the Live channel.
type Sink interface {
	// Write takes interleaved stereo float32 at the station's rate and
	// returns how many whole frames it accepted: all of them, or fewer
	// when it is full. It never blocks.
	Write(pcm []float32) int
}

// backoff is how long the Decoder sleeps when the Sink is full: a few
// milliseconds, well inside the audio loop's block time, so the ring
// refills long before it runs dry.
const backoff = 5 * time.Millisecond

// output brings stereo audio at a stream's rate to the station rate and
// hands it to the Sink, waiting while the Sink is full.
type output struct {
	sink  Sink
	rate  int // the station's
	q     resample.Quality
	in    int // the stream's, 0 before the first block
	rs    *resample.Resampler
	buf   []float32 // the resampler's output
	ctx   context.Context
	done  <-chan struct{} // closed by Decoder.Close
	timer *time.Timer
	stats *counters
}

// write sends stereo pcm at rate Hz to the Sink, resampling as needed. It
// returns only when the Sink took all of it, or with ErrClosed.
func (o *output) write(pcm []float32, rate int) error {
	if rate != o.in {
		if err := o.setRate(rate); err != nil {
			return err
		}
	}
	if o.rs != nil {
		if need := 2 * o.rs.MaxOut(len(pcm)/2); cap(o.buf) < need {
			o.buf = make([]float32, 0, need)
		}
		pcm = o.rs.Process(o.buf[:0], pcm)
		// The filter rings past full scale on clipped input.
		for i, x := range pcm {
			pcm[i] = dsp.Clip(x)
		}
	}
	return o.push(pcm)
}

// setRate makes rate the stream's rate: the audio still held in the old
// resampler goes out first, then a new one takes over.
func (o *output) setRate(rate int) error {
	if o.rs != nil {
		o.buf = o.rs.Flush(o.buf[:0])
		if err := o.push(o.buf); err != nil {
			return err
		}
	}
	o.in, o.rs = rate, nil
	if rate != o.rate {
		o.rs = resample.New(rate, o.rate, 2, o.q)
	}
	return nil
}

// push writes pcm to the Sink, sleeping and retrying while it is full.
func (o *output) push(pcm []float32) error {
	for len(pcm) >= 2 {
		n := o.sink.Write(pcm)
		n = max(0, min(n, len(pcm)/2)) // a Sink that misreports must not break us
		pcm = pcm[2*n:]
		o.stats.frames.Add(int64(n))
		if len(pcm) < 2 {
			return nil
		}
		if err := o.wait(); err != nil {
			return err
		}
	}
	return nil
}

// wait sleeps for backoff, or until the Decoder is closed.
func (o *output) wait() error {
	o.stats.waits.Add(1)
	if o.timer == nil {
		o.timer = time.NewTimer(backoff)
	} else {
		o.timer.Reset(backoff)
	}
	select {
	case <-o.timer.C:
		return nil
	case <-o.done:
		o.timer.Stop()
		return ErrClosed
	case <-o.ctx.Done():
		o.timer.Stop()
		return fmt.Errorf("%w: %w", ErrClosed, context.Cause(o.ctx))
	}
}
