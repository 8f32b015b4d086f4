package frames

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"onair/codec/adts"
)

// needFFmpeg returns ffmpeg's path, or skips the test (fails it in CI, where
// every tool is installed).
func needFFmpeg(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ffmpeg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ffmpeg not found on PATH, and CI is set: %v", err)
		}
		t.Skip("ffmpeg not found on PATH; install ffmpeg (apt-get install ffmpeg) to run this test")
	}
	return path
}

// ffmpeg runs ffmpeg to encode a 3 s 440 Hz tone with the given output
// arguments and returns the file it wrote. It writes a file rather than a
// pipe because the MP3 muxer writes its Xing frame only to seekable output.
func ffmpeg(t *testing.T, path string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := filepath.Join(t.TempDir(), "out")
	all := append([]string{"-hide_banner", "-loglevel", "error", "-nostdin",
		"-f", "lavfi", "-i", "sine=f=440:d=3"}, args...)
	cmd := exec.CommandContext(ctx, path, append(all, out)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestSplitterFFmpeg(t *testing.T) {
	path := needFFmpeg(t)
	tests := []struct {
		name    string
		codec   Codec
		args    []string
		tags    bool // the output starts with an ID3v2 tag and a Xing frame
		samples int  // per frame
		size    func(n int) bool
	}{
		{
			name: "mp3 with ID3 and Xing", codec: MP3, tags: true, samples: 1152,
			args: []string{"-b:a", "128k", "-f", "mp3"},
			size: func(n int) bool { return n == 417 || n == 418 },
		},
		{
			name: "mp3 bare", codec: MP3, samples: 1152,
			args: []string{"-b:a", "128k", "-id3v2_version", "0", "-write_xing", "0", "-f", "mp3"},
			size: func(n int) bool { return n == 417 || n == 418 },
		},
		{
			name: "aac in adts", codec: ADTS, samples: 1024,
			args: []string{"-c:a", "aac", "-b:a", "128k", "-f", "adts"},
			size: func(n int) bool { return n > adts.HeaderSize && n < 2000 },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := ffmpeg(t, path, tt.args...)
			for _, chunk := range []int{1, 1000, 4096, len(data)} {
				sp := NewSplitter(tt.codec, 0)
				frames := split(sp, data, chunk)
				for i, f := range frames {
					if !tt.size(len(f)) {
						t.Fatalf("chunk %d: frame %d is %d bytes", chunk, i, len(f))
					}
				}
				// The tone lasts 3 s; the encoder adds its delay and
				// padding (and the Xing frame) of a few frames.
				d := float64(len(frames)*tt.samples) / 44100
				if chunk == 1 {
					t.Logf("%d bytes, %d frames = %.3f s, %+v, %+v", len(data), len(frames), d, sp.Stats(), sp.Info())
				}
				if math.Abs(d-3) > 0.15 {
					t.Errorf("chunk %d: %d frames = %.3f s, want about 3 s", chunk, len(frames), d)
				}
				st := sp.Stats()
				if st.Skipped != 0 || st.Resyncs != 0 || (st.Tags > 0) != tt.tags {
					t.Errorf("chunk %d: %+v; want nothing skipped, no resyncs, tags %v", chunk, st, tt.tags)
				}
				if st.Bytes+st.Tags != uint64(len(data)) {
					t.Errorf("chunk %d: %d frame bytes and %d tag bytes of %d", chunk, st.Bytes, st.Tags, len(data))
				}
				in := sp.Info()
				if in.SampleRate != 44100 || in.Channels != 1 || in.Bitrate < 100 || in.Bitrate > 140 {
					t.Errorf("chunk %d: Info = %+v, want 44.1 kHz mono about 128 kbps", chunk, in)
				}
			}
			if i := tt.codec.Sync(data); tt.tags && i <= 0 || !tt.tags && i != 0 {
				t.Errorf("Sync = %d", i)
			}
			sp := NewSplitter(tt.codec, 0)
			one := split(sp, data, len(data))
			if tt.tags {
				// The Xing (or "Info", for CBR) frame is a valid frame of
				// silence carrying the file's frame count; it is passed on.
				if !bytes.Contains(one[0], []byte("Info")) && !bytes.Contains(one[0], []byte("Xing")) {
					t.Errorf("the first frame is not the Xing frame: % X", one[0][:40])
				}
			}
			// A source playing the file twice back to back, tags and all.
			sp = NewSplitter(tt.codec, 0)
			two := split(sp, append(bytes.Clone(data), data...), 4096)
			if st := sp.Stats(); len(two) != 2*len(one) || st.Skipped != 0 || st.Resyncs != 0 {
				t.Errorf("the file twice: %d frames, %+v; want %d frames, nothing skipped", len(two), st, 2*len(one))
			}
		})
	}
}
