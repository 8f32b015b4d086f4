package vorbis

import "testing"

func TestLookup1Values(t *testing.T) {
	for _, tt := range []struct{ entries, dims, want int }{
		{81, 4, 3}, {80, 4, 2}, {1, 1, 1}, {256, 2, 16}, {255, 2, 15}, {0, 3, 0},
	} {
		if got := lookup1Values(tt.entries, tt.dims); got != tt.want {
			t.Errorf("lookup1Values(%d, %d) = %d, want %d", tt.entries, tt.dims, got, tt.want)
		}
	}
}
