package playlist

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"onair/library"
	"onair/store"
)

// fakeIndex is a library of tracks already in the store's tracks table.
type fakeIndex struct {
	version uint64
	tracks  []library.Track
}

func (f *fakeIndex) Version() uint64 { return f.version }
func (f *fakeIndex) Under(context.Context, []string) ([]library.Track, error) {
	var out []library.Track
	for _, t := range f.tracks {
		if t.Playable() {
			out = append(out, t)
		}
	}
	return out, nil
}

// rotationFixture is a store with n tracks and a rotation over them.
func rotationFixture(t *testing.T, n int) (*store.Store, *Playlists, *fakeIndex, *Rotation) {
	t.Helper()
	db, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	idx := &fakeIndex{version: 1}
	for i := 1; i <= n; i++ {
		path := fmt.Sprintf("/music/t%02d.mp3", i)
		if _, err := db.DB.Exec(`INSERT INTO tracks (id, path, size, mtime_ns, format, title, added_at) VALUES (?, ?, 1, 1, 'mp3', ?, 1)`,
			i, path, fmt.Sprintf("T%d", i)); err != nil {
			t.Fatal(err)
		}
		idx.tracks = append(idx.tracks, library.Track{ID: int64(i), Path: path, Format: "mp3"})
	}
	pls := NewPlaylists(db, func(id string) bool { return id == "main" })
	return db, pls, idx, NewRotation("main", []string{"/music"}, idx, pls, 1, nil)
}

func ptr[T any](v T) *T { return &v }

func makePlaylist(t *testing.T, pls *Playlists, name string, mode Mode, weight int, tracks ...int64) Playlist {
	t.Helper()
	ctx := context.Background()
	pl, err := pls.Create(ctx, Changes{Name: ptr(name), Station: ptr("main"), Mode: ptr(mode), Weight: ptr(weight)})
	if err != nil {
		t.Fatal(err)
	}
	var items []Item
	for _, id := range tracks {
		items = append(items, Item{TrackID: id})
	}
	if _, err := pls.SetItems(ctx, pl.ID, items); err != nil {
		t.Fatal(err)
	}
	if pl, err = pls.SetActive(ctx, pl.ID, true); err != nil {
		t.Fatal(err)
	}
	return pl
}

func TestRotationWholeLibraryWhenNothingActive(t *testing.T) {
	_, _, _, rot := rotationFixture(t, 5)
	seen := map[int64]int{}
	for range 50 {
		c, err := rot.Pick(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.PlaylistID != 0 {
			t.Fatalf("picked from playlist %d with none active", c.PlaylistID)
		}
		seen[c.TrackID]++
	}
	for id := int64(1); id <= 5; id++ {
		if seen[id] != 10 {
			t.Fatalf("shuffle rounds: track counts %v, want 10 each", seen)
		}
	}
}

func TestRotationEmptyLibrary(t *testing.T) {
	_, _, _, rot := rotationFixture(t, 0)
	if _, err := rot.Pick(context.Background()); !errors.Is(err, ErrEmpty) {
		t.Fatalf("err %v, want ErrEmpty", err)
	}
}

// TestRotationPlaylistWeights: two active playlists of weights 1 and 3
// get a quarter and three quarters of the picks.
func TestRotationPlaylistWeights(t *testing.T) {
	_, pls, _, rot := rotationFixture(t, 6)
	a := makePlaylist(t, pls, "a", Shuffle, 1, 1, 2, 3)
	b := makePlaylist(t, pls, "b", Looped, 3, 4, 5, 6)
	counts := map[int64]int{}
	const n = 4000
	for range n {
		c, err := rot.Pick(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		counts[c.PlaylistID]++
		if c.PlaylistID == a.ID && c.TrackID > 3 || c.PlaylistID == b.ID && c.TrackID < 4 {
			t.Fatalf("track %d from the wrong playlist %q", c.TrackID, c.Playlist)
		}
	}
	// Binomial, p = 1/4: σ ≈ 27 in 4000; allow 4σ.
	if d := counts[a.ID] - n/4; d < -110 || d > 110 {
		t.Fatalf("playlist of weight 1 got %d of %d picks, want about %d", counts[a.ID], n, n/4)
	}
}

// TestRotationSequentialHandOver: a sequential playlist plays once
// through, stops itself, and the station carries on with the others.
func TestRotationSequentialHandOver(t *testing.T) {
	ctx := context.Background()
	_, pls, _, rot := rotationFixture(t, 6)
	seq := makePlaylist(t, pls, "show", Sequential, 10, 1, 2, 3)
	// Alone at first: it plays in order.
	var got []int64
	for range 3 {
		c, err := rot.Pick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c.TrackID)
	}
	if fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("sequential played %v", got)
	}
	makePlaylist(t, pls, "rest", Looped, 1, 4, 5)
	for range 6 {
		c, err := rot.Pick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.TrackID < 4 {
			t.Fatalf("the finished sequential playlist played track %d again", c.TrackID)
		}
	}
	pl, err := pls.Get(ctx, seq.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pl.Active || pl.State != StateStopped {
		t.Fatalf("finished sequential playlist: active %v, state %s", pl.Active, pl.State)
	}
	// Started again, it plays from the top.
	if _, err := pls.SetActive(ctx, seq.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := pls.SetActive(ctx, 2, false); err != nil { // "rest"
		t.Fatal(err)
	}
	if c, _ := rot.Pick(ctx); c.TrackID != 1 {
		t.Fatalf("restarted sequential playlist began with track %d", c.TrackID)
	}
}

// TestRotationSkipsMissingAndFailed: a track whose file went missing, or
// would not open, is skipped; the playlist stays intact.
func TestRotationSkipsMissingAndFailed(t *testing.T) {
	ctx := context.Background()
	db, pls, idx, rot := rotationFixture(t, 3)
	pl := makePlaylist(t, pls, "l", Looped, 5, 1, 2, 3)
	if _, err := db.DB.Exec(`UPDATE tracks SET missing = 1 WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	idx.tracks[1].Missing = true
	idx.version++
	c, _ := rot.Pick(ctx)
	rot.Forget(c) // track 1 would not open
	for range 4 {
		c, err := rot.Pick(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.TrackID != 3 {
			t.Fatalf("picked track %d; only 3 plays", c.TrackID)
		}
	}
	got, err := pls.Get(ctx, pl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tracks != 3 || got.Playable != 2 || got.State != StatePlaying {
		t.Fatalf("playlist after a file went missing: %+v", got)
	}
}

func TestPlaylistValidation(t *testing.T) {
	ctx := context.Background()
	_, pls, _, _ := rotationFixture(t, 3)
	bad := []Changes{
		{Station: ptr("main")},                                          // no name
		{Name: ptr("x"), Station: ptr("nope")},                          // unknown station
		{Name: ptr("x"), Station: ptr("main"), Mode: ptr(Mode("loop"))}, // bad mode
		{Name: ptr("x"), Station: ptr("main"), Weight: ptr(0)},
		{Name: ptr("x"), Station: ptr("main"), Weight: ptr(11)},
		{Name: ptr("x"), Station: ptr("main"), RepeatGuard: ptr(1)}, // guard ≥ 0 tracks
	}
	for _, c := range bad {
		if _, err := pls.Create(ctx, c); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err %v, want ErrInvalid", c, err)
		}
	}
	pl := makePlaylist(t, pls, "ok", Weighted, 5, 1, 2, 3)
	if _, err := pls.Update(ctx, pl.ID, Changes{RepeatGuard: ptr(3)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("repeat guard 3 with 3 tracks: %v", err)
	}
	if _, err := pls.Update(ctx, pl.ID, Changes{RepeatGuard: ptr(2)}); err != nil {
		t.Errorf("repeat guard 2 with 3 tracks: %v", err)
	}
	if _, err := pls.SetItems(ctx, pl.ID, []Item{{TrackID: 1}, {TrackID: 2}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("two items under a guard of 2: %v", err)
	}
	if _, err := pls.SetItems(ctx, pl.ID, []Item{{TrackID: 1}, {TrackID: 2}, {TrackID: 99}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("an unknown track: %v", err)
	}
	if _, err := pls.SetItems(ctx, pl.ID, []Item{{TrackID: 1, Weight: 11}, {TrackID: 2}, {TrackID: 3}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("weight 11: %v", err)
	}
	items, err := pls.Items(ctx, pl.ID)
	if err != nil || len(items) != 3 {
		t.Fatalf("refused edits changed the items: %v, %v", items, err)
	}
	if _, err := pls.Get(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing playlist: %v", err)
	}
	if err := pls.Delete(ctx, pl.ID); err != nil {
		t.Fatal(err)
	}
	if err := pls.Delete(ctx, pl.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted twice: %v", err)
	}
}

// TestConcurrentEditsKeepOneList: two consoles save different item lists
// at once, many times; the playlist always holds one list whole.
func TestConcurrentEditsKeepOneList(t *testing.T) {
	ctx := context.Background()
	_, pls, _, _ := rotationFixture(t, 6)
	pl := makePlaylist(t, pls, "p", Looped, 5, 1, 2, 3)
	lists := [][]Item{
		{{TrackID: 1, Weight: 1}, {TrackID: 2, Weight: 2}, {TrackID: 3, Weight: 3}},
		{{TrackID: 6, Weight: 9}, {TrackID: 5, Weight: 8}, {TrackID: 4, Weight: 7}, {TrackID: 3, Weight: 6}},
	}
	errs := make(chan error, 2)
	for _, l := range lists {
		go func() {
			for range 30 {
				if _, err := pls.SetItems(ctx, pl.ID, l); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got, err := pls.Items(ctx, pl.ID)
	if err != nil {
		t.Fatal(err)
	}
	var items []Item
	for _, it := range got {
		items = append(items, it.Item)
	}
	if fmt.Sprint(items) != fmt.Sprint(lists[0]) && fmt.Sprint(items) != fmt.Sprint(lists[1]) {
		t.Fatalf("items %v are neither list", items)
	}
}

func TestHistory(t *testing.T) {
	ctx := context.Background()
	db, _, _, _ := rotationFixture(t, 1)
	h := NewHistory(db)
	base := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		p := Play{Station: "main", PlayedAt: base.Add(time.Duration(i) * time.Minute), Title: fmt.Sprint("song ", i), Listeners: i}
		if i == 2 {
			p.TrackID, p.PlaylistID = 1, 0
		}
		if err := h.Record(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	h.Record(ctx, Play{Station: "other", PlayedAt: base, Title: "elsewhere"})
	got, err := h.List(ctx, "main", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Title != "song 4" || got[2].Title != "song 2" || got[2].TrackID != 1 || got[0].Listeners != 4 {
		t.Fatalf("history %+v", got)
	}
	if !got[0].PlayedAt.Equal(base.Add(4 * time.Minute)) {
		t.Fatalf("played_at %v", got[0].PlayedAt)
	}
	all, _ := h.List(ctx, "", 100)
	if len(all) != 6 {
		t.Fatalf("all stations: %d entries", len(all))
	}
}
