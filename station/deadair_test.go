package station

import (
	"log/slog"
	"testing"
	"time"

	"onair/config"
	"onair/mixer"
)

// TestDeadAirReported: the engine's dead air reaches LastDeadAir and the
// OnDeadAir hook as the event /api/events and webhooks send, numbered so
// that readers see each new one.
func TestDeadAirReported(t *testing.T) {
	var got []DeadAirEvent
	s := &Station{
		cfg: config.Station{ID: "main", DeadAirDB: -50}, log: slog.New(slog.DiscardHandler),
		deadAirs: make(chan mixer.DeadAir, deadAirBuffer), onDeadAirHook: func(ev DeadAirEvent) { got = append(got, ev) },
	}
	if _, n := s.LastDeadAir(); n != 0 {
		t.Fatalf("dead air numbered %d before any", n)
	}
	since := time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)
	s.deadAirs <- mixer.DeadAir{Since: since, Silence: 10030 * time.Millisecond, NowPlaying: mixer.NowPlaying{Title: "Tester - Silence"}}
	s.deadAirs <- mixer.DeadAir{Since: since.Add(time.Minute), Silence: 10 * time.Second, Live: true, NowPlaying: mixer.NowPlaying{Title: "DJ Quiet", Live: true}}
	s.deadAirs <- mixer.DeadAir{Since: since.Add(2 * time.Minute), Silence: 10 * time.Second, NowPlaying: mixer.NowPlaying{Title: "OnAir: add music to ./music", Idle: true}}
	close(s.deadAirs)
	done := make(chan struct{})
	s.reportDeadAir(done)
	<-done

	want := []DeadAirEvent{
		{Station: "main", Since: since, Seconds: 10, Source: "autodj", Track: "Tester - Silence"},
		{Station: "main", Since: since.Add(time.Minute), Seconds: 10, Source: "live", Track: "DJ Quiet"},
		{Station: "main", Since: since.Add(2 * time.Minute), Seconds: 10, Source: "autodj", Track: ""},
	}
	if len(got) != len(want) {
		t.Fatalf("hook got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if last, n := s.LastDeadAir(); n != 3 || last != want[2] {
		t.Errorf("LastDeadAir %+v #%d, want the third", last, n)
	}
}
