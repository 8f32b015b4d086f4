package loudness

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTech3341 runs the minimum-requirement cases of EBU Tech 3341 that
// are made of sines (cases 1–6) at the rates OnAir meets: the integrated
// loudness must read within ±0.1 LU.
func TestTech3341(t *testing.T) {
	stereo := []float64{1, 1}
	cases := []struct {
		name     string
		channels int
		gains    []float64
		segs     []segment
		want     float64
	}{
		{"1 kHz at -20 dBFS", 2, stereo, []segment{{-20, 20}}, -20},
		{"case 1: 1 kHz at -23 dBFS", 2, stereo, []segment{{-23, 20}}, -23},
		{"1 kHz at -30 dBFS", 2, stereo, []segment{{-30, 20}}, -30},
		{"case 2: 1 kHz at -33 dBFS", 2, stereo, []segment{{-33, 20}}, -33},
		// The −36 dBFS stretches fall under the relative gate.
		{"case 3: -36, -23, -36 dBFS", 2, stereo, []segment{{-36, 10}, {-23, 60}, {-36, 10}}, -23},
		// The −72 dBFS stretches fall under the absolute gate as well.
		{"case 4: -72, -36, -23, -36, -72 dBFS", 2, stereo, []segment{{-72, 10}, {-36, 10}, {-23, 60}, {-36, 10}, {-72, 10}}, -23},
		// Both levels pass the gates and average by power.
		{"case 5: -26, -20, -26 dBFS", 2, stereo, []segment{{-26, 20}, {-20, 20.1}, {-26, 20}}, -23},
		// L and R at −28 dBFS, C at −24 dBFS, the surrounds at −30 dBFS
		// weighed 1.41 each.
		{"case 6: 5.0 channels", 5, gainsDB(0, 0, 4, -2, -2), []segment{{-28, 20}}, -23},
		// The same with a loud LFE, which BS.1770 leaves out.
		{"5.1 with a loud LFE", 6, gainsDB(0, 0, 4, 20, -2, -2), []segment{{-28, 20}}, -23},
		// One channel counts once: a mono −23 dBFS sine is 3 LU quieter
		// than the stereo one.
		{"mono 1 kHz at -23 dBFS", 1, []float64{1}, []segment{{-23, 20}}, -26.01},
	}
	for _, rate := range []int{44100, 48000, 32000, 96000} {
		for _, c := range cases {
			// True peak has its own tests; off, these run in a third
			// of the time.
			m := NewMeter(rate, c.channels)
			m.SetTruePeak(false)
			m.Write(sines(rate, c.gains, c.segs...))
			if got := m.Integrated(); !(math.Abs(got-c.want) <= 0.1) {
				t.Errorf("%d Hz, %s: integrated %.2f LUFS, want %.1f ± 0.1", rate, c.name, got, c.want)
			}
		}
	}
}

// TestMomentaryAndShortTerm: on a steady tone the 400 ms and 3 s
// loudness read the tone's level (Tech 3341 cases 1 and 2), and both
// follow a change of level within their windows.
func TestMomentaryAndShortTerm(t *testing.T) {
	const rate = 48000
	m := NewMeter(rate, 2)
	if !math.IsInf(m.Momentary(), -1) || !math.IsInf(m.ShortTerm(), -1) {
		t.Fatalf("before any audio: momentary %v, short-term %v, want -Inf", m.Momentary(), m.ShortTerm())
	}
	m.Write(sines(rate, []float64{1, 1}, segment{-23, 5}))
	if got := m.Momentary(); !(math.Abs(got+23) <= 0.1) {
		t.Errorf("momentary %.2f LUFS, want -23.0 ± 0.1", got)
	}
	if got := m.ShortTerm(); !(math.Abs(got+23) <= 0.1) {
		t.Errorf("short-term %.2f LUFS, want -23.0 ± 0.1", got)
	}
	// 1 s at −33 dBFS: the 400 ms window holds only the new level, the
	// 3 s one two parts of the old to one of the new.
	m.Write(sines(rate, []float64{1, 1}, segment{-33, 1}))
	if got := m.Momentary(); !(math.Abs(got+33) <= 0.1) {
		t.Errorf("momentary after the drop %.2f LUFS, want -33.0 ± 0.1", got)
	}
	// Two channels of a sine of peak a hold a² of power; K-weighting
	// adds the 0.691 dB at 1 kHz that loudnessOf takes back.
	power := func(dBFS float64) float64 { return math.Pow(10, (dBFS+0.691)/10) }
	want := loudnessOf((2*power(-23) + power(-33)) / 3)
	if got := m.ShortTerm(); !(math.Abs(got-want) <= 0.2) {
		t.Errorf("short-term after the drop %.2f LUFS, want %.2f ± 0.2", got, want)
	}
}

// TestShortTermTech3341Case9: 1.34 s at −20 dBFS and 1.66 s at −30
// dBFS in turn, five times over; every 3 s window holds one of each, so
// the short-term loudness reads −23.0 ± 0.1 at every step once 3 s are
// in, while the momentary swings between the two levels.
func TestShortTermTech3341Case9(t *testing.T) {
	const rate = 48000
	var segs []segment
	for range 5 {
		segs = append(segs, segment{-20, 1.34}, segment{-30, 1.66})
	}
	x := sines(rate, []float64{1, 1}, segs...)
	m := NewMeter(rate, 2)
	lo, hi := math.Inf(1), math.Inf(-1)
	for k := 0; (k+1)*rate/10*2 <= len(x); k++ {
		m.Write(x[k*rate/10*2 : (k+1)*rate/10*2])
		if k+1 < 30 {
			continue
		}
		if got := m.ShortTerm(); !(math.Abs(got+23) <= 0.1) {
			t.Errorf("at %.1f s: short-term %.2f LUFS, want -23.0 ± 0.1", float64(k+1)/10, got)
		}
		lo, hi = min(lo, m.Momentary()), max(hi, m.Momentary())
	}
	if !(math.Abs(lo+30) <= 0.1 && math.Abs(hi+20) <= 0.1) {
		t.Errorf("momentary between %.2f and %.2f LUFS, want -30.0 and -20.0", lo, hi)
	}
}

// TestTech3342 runs the loudness range cases of EBU Tech 3342 that are
// made of 1 kHz sines: each must read within ±1 LU.
func TestTech3342(t *testing.T) {
	stereo := []float64{1, 1}
	cases := []struct {
		name string
		segs []segment
		want float64
	}{
		{"case 1: -20, -30 dBFS", []segment{{-20, 20}, {-30, 20}}, 10},
		{"case 2: -20, -15 dBFS", []segment{{-20, 20}, {-15, 20}}, 5},
		{"case 3: -40, -20 dBFS", []segment{{-40, 20}, {-20, 20}}, 20},
		{"case 4: -50, -35, -20, -35, -50 dBFS", []segment{{-50, 20}, {-35, 20}, {-20, 20}, {-35, 20}, {-50, 20}}, 15},
	}
	for _, rate := range []int{44100, 48000} {
		for _, c := range cases {
			m := NewMeter(rate, 2)
			m.SetTruePeak(false)
			m.Write(sines(rate, stereo, c.segs...))
			if got := m.Range(); !(math.Abs(got-c.want) <= 1) {
				t.Errorf("%d Hz, %s: range %.2f LU, want %.0f ± 1", rate, c.name, got, c.want)
			}
		}
	}
	if got := measure(48000, 2, sines(48000, stereo, segment{-23, 20})).Range(); !(got <= 0.1) {
		t.Errorf("steady tone: range %.2f LU, want 0", got)
	}
}

// TestSilence: nothing passes the gate, and the peaks are -Inf.
func TestSilence(t *testing.T) {
	m := measure(44100, 2, make([]float32, 2*44100*5))
	for name, v := range map[string]float64{
		"integrated": m.Integrated(), "momentary": m.Momentary(), "short-term": m.ShortTerm(),
		"true peak": m.TruePeak(), "sample peak": m.SamplePeak(),
	} {
		if !math.IsInf(v, -1) {
			t.Errorf("%s of silence: %v, want -Inf", name, v)
		}
	}
	if r := m.Range(); r != 0 {
		t.Errorf("range of silence: %v, want 0", r)
	}
}

// TestPiecesMatchOneWrite: audio written in pieces of any length,
// frames split between calls included, measures exactly as in one call.
func TestPiecesMatchOneWrite(t *testing.T) {
	const rate = 44100
	x := noise(3, rate*7, 2, 0.3)
	whole := measure(rate, 2, x)
	rng := rand.New(rand.NewPCG(1, 2))
	m := NewMeter(rate, 2)
	for rest := x; len(rest) > 0; {
		n := min(rng.IntN(5000), len(rest))
		m.Write(rest[:n])
		rest = rest[n:]
	}
	for _, f := range []struct {
		name string
		get  func(*Meter) float64
	}{
		{"integrated", (*Meter).Integrated}, {"momentary", (*Meter).Momentary}, {"short-term", (*Meter).ShortTerm},
		{"range", (*Meter).Range}, {"true peak", (*Meter).TruePeak}, {"sample peak", (*Meter).SamplePeak},
	} {
		if a, b := f.get(whole), f.get(m); a != b {
			t.Errorf("%s: %v in one write, %v in pieces", f.name, a, b)
		}
	}
}

// TestReset: after Reset a meter reads a new programme as a new meter
// does.
func TestReset(t *testing.T) {
	const rate = 48000
	m := measure(rate, 2, sines(rate, []float64{1, 1}, segment{-10, 10}))
	m.Reset()
	x := sines(rate, []float64{1, 1}, segment{-30, 10})
	m.Write(x)
	fresh := measure(rate, 2, x)
	if m.Integrated() != fresh.Integrated() || m.TruePeak() != fresh.TruePeak() || m.Range() != fresh.Range() {
		t.Errorf("after Reset: I %v, TP %v, LRA %v; a new meter: I %v, TP %v, LRA %v",
			m.Integrated(), m.TruePeak(), m.Range(), fresh.Integrated(), fresh.TruePeak(), fresh.Range())
	}
}

// TestWriteAllocatesNothing: once built, a meter allocates nothing,
// whatever the size of the pieces it is given.
func TestWriteAllocatesNothing(t *testing.T) {
	m := NewMeter(44100, 2)
	x := noise(5, 44100, 2, 0.3)
	for _, n := range []int{1, 3, 1152, len(x)} {
		if a := testing.AllocsPerRun(20, func() { m.Write(x[:n]) }); a != 0 {
			t.Errorf("Write of %d samples: %v allocations", n, a)
		}
	}
	if a := testing.AllocsPerRun(20, func() { m.Integrated(); m.Range(); m.TruePeak() }); a != 0 {
		t.Errorf("readings: %v allocations", a)
	}
}

// TestNewMeterRejectsNonsense: a rate or channel count the meter cannot
// serve panics at construction rather than measuring wrongly.
func TestNewMeterRejectsNonsense(t *testing.T) {
	for _, c := range []struct{ rate, channels int }{{0, 2}, {4000, 2}, {44100, 0}, {44100, MaxChannels + 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewMeter(%d, %d) did not panic", c.rate, c.channels)
				}
			}()
			NewMeter(c.rate, c.channels)
		}()
	}
}

// noise is seconds of uniform noise, interleaved, at peak amp.
func noise(seed uint64, frames, channels int, amp float64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([]float32, frames*channels)
	for i := range x {
		x[i] = float32(amp * (2*rng.Float64() - 1))
	}
	return x
}

// TestBadSamplesSpoilOnlyTheirWindow: a NaN or infinite sample from a
// broken decoder spoils the blocks that hold it, and the meter reads the
// audio after it as if it had not happened.
func TestBadSamplesSpoilOnlyTheirWindow(t *testing.T) {
	const rate = 48000
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		m := NewMeter(rate, 2)
		m.Write(sines(rate, []float64{1, 1}, segment{-23, 5}))
		m.Write([]float32{bad, bad})
		m.Write(sines(rate, []float64{1, 1}, segment{-23, 5}))
		if got := m.Momentary(); !(math.Abs(got+23) <= 0.1) {
			t.Errorf("%v: momentary %.2f LUFS 5 s later, want -23.0", bad, got)
		}
		if got := m.Integrated(); !(math.Abs(got+23) <= 0.1) {
			t.Errorf("%v: integrated %.2f LUFS, want -23.0", bad, got)
		}
		// An infinite sample is the loudest there is; a NaN is no level.
		want := -23.0
		if math.IsInf(float64(bad), 1) {
			want = math.Inf(1)
		}
		if got := m.TruePeak(); !(math.Abs(got-want) <= 0.1) && got != want {
			t.Errorf("%v: true peak %.2f dBTP, want %.1f", bad, got, want)
		}
	}
}
