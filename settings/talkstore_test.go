package settings

import (
	"context"
	"testing"
	"time"

	"onair/mixer"
	"onair/store"
)

// TestTalkStore: nothing saved reads as not saved; a save reads back as
// saved, per station, and a second save replaces the first.
func TestTalkStore(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ts := NewTalkStore(db)
	if _, ok, err := ts.Load(ctx, "main"); ok || err != nil {
		t.Fatalf("Load before any save: saved %v, err %v", ok, err)
	}
	first := mixer.TalkSettings{MusicLevel: 0.8, BGLevel: 0.2, MicLevel: 1, MusicFade: 1500 * time.Millisecond, MicFade: 250 * time.Millisecond}
	second := first
	second.BGLevel, second.PTTOnStartup = 0.4, true
	for _, want := range []mixer.TalkSettings{first, second} {
		if err := ts.Save(ctx, "main", want); err != nil {
			t.Fatal(err)
		}
		got, ok, err := ts.Load(ctx, "main")
		if !ok || err != nil || got != want {
			t.Errorf("Load = %+v, %v, %v; want %+v", got, ok, err, want)
		}
	}
	if _, ok, _ := ts.Load(ctx, "other"); ok {
		t.Error("another station's settings read as saved")
	}
}
