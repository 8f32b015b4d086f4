package library

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"onair/internal/fileops"
)

// uploadMaxName bounds a stored file name's base in bytes (file systems
// allow 255, and " (123)" and the extension must fit).
const uploadMaxName = 200

// Upload stores the file r in the media folder dir (one of the library's
// folders, else ErrInvalid) under a safe version of name, and adds it to
// the library.
//
// The bytes go to a hidden temporary file in dir first, at most limit of
// them (limit ≤ 0: no limit; beyond it ErrTooLarge). The file is then
// probed like a scanned one and refused with ErrInvalid unless it decodes
// as MP3 or Ogg Vorbis. Its name is name's last element, without control
// characters, leading dots or an audio extension, ending in the detected
// format's extension, and " (2)", " (3)"… when taken. It is linked into
// place without ever replacing a file, synced, and checked to resolve
// inside dir. Whatever fails, nothing is left behind.
func (l *Library) Upload(ctx context.Context, dir, name string, r io.Reader, limit int64) (Track, error) {
	shown := strings.Trim(uploadClean(name), ". ")
	if shown == "" {
		shown = "file"
	}
	d := libraryAbs(dir)
	if !slices.Contains(l.mediaDirs(), d) {
		return Track{}, invalidf("upload %s: %s is not a media folder", shown, dir)
	}
	// Media folders are shared with file servers and tag editors.
	if err := os.MkdirAll(d, 0o755); err != nil { //nolint:gosec // see above
		return Track{}, fmt.Errorf("upload %s: %w", shown, err)
	}
	tmp, err := os.CreateTemp(d, ".upload-*.part")
	if err != nil {
		return Track{}, fmt.Errorf("upload %s: %w", shown, err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name()) // the file is linked into place by now, or not wanted
	}()
	src := io.Reader(fileops.Reader{Ctx: ctx, R: r})
	if limit > 0 {
		src = io.LimitReader(src, limit+1)
	}
	n, err := io.Copy(tmp, src)
	switch {
	case err != nil:
		return Track{}, fmt.Errorf("upload %s: %w", shown, err)
	case limit > 0 && n > limit:
		return Track{}, fmt.Errorf("upload %s: larger than the limit of %d bytes: %w", shown, limit, ErrTooLarge)
	case n == 0:
		return Track{}, invalidf("upload %s: empty file", shown)
	}
	if err := tmp.Sync(); err != nil {
		return Track{}, fmt.Errorf("upload %s: %w", shown, err)
	}
	if err := tmp.Close(); err != nil {
		return Track{}, fmt.Errorf("upload %s: %w", shown, err)
	}
	res, err := newProber().probe(tmp.Name())
	switch {
	case err != nil:
		return Track{}, fmt.Errorf("upload %s: %w", shown, err)
	case res.Format == "":
		return Track{}, invalidf("upload %s: not an MP3 or Ogg Vorbis file", shown)
	case res.Error != "":
		return Track{}, invalidf("upload %s: not a playable MP3 or Ogg Vorbis file (%s)", shown, res.Error)
	}
	final, err := uploadPlace(tmp.Name(), d, uploadFileName(name, res.Format))
	if err != nil {
		return Track{}, fmt.Errorf("upload %s: %w", shown, err)
	}
	t, err := l.uploadInsert(ctx, final, res.Track)
	if err != nil {
		os.Remove(final)
		_ = fileops.SyncDir(d) // err is the news; the removal is best effort
		return Track{}, fmt.Errorf("upload %s: %w", shown, err)
	}
	if res.Warning != "" {
		l.log.Info("uploaded file plays, with a warning", "path", final, "warning", res.Warning)
	}
	l.log.Info("file uploaded", "path", final, "bytes", n)
	l.version.Add(1)
	return t, nil
}

// uploadPlace links tmp into dir under name, or under name with " (2)",
// " (3)"… before the extension when taken, and returns the path. A link
// never replaces a file (a rename would), so two uploads of one name
// cannot overwrite each other or anything else. The directory is synced,
// so the new name survives a crash.
func uploadPlace(tmp, dir, name string) (string, error) {
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 1; i <= 10000; i++ {
		cand := name
		if i > 1 {
			cand = base + " (" + strconv.Itoa(i) + ")" + ext
		}
		final := filepath.Join(dir, cand)
		err := os.Link(tmp, final)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			// No hard links here (some network and FAT file systems):
			// rename, after checking the name is free.
			if _, serr := os.Lstat(final); !errors.Is(serr, fs.ErrNotExist) {
				continue
			}
			if err := os.Rename(tmp, final); err != nil {
				return "", err
			}
		}
		if err := uploadCheckInside(final, dir); err != nil {
			os.Remove(final)
			return "", err
		}
		return final, fileops.SyncDir(dir)
	}
	return "", invalidf("%s and 10,000 variants of it are taken", name)
}

// uploadCheckInside makes sure that path, with symbolic links resolved,
// is inside dir (resolved too).
func uploadCheckInside(path, dir string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(realDir, real)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return invalidf("%s resolves outside %s", path, dir)
	}
	return nil
}

// uploadInsert adds the file at path, probed as t, to the table.
func (l *Library) uploadInsert(ctx context.Context, path string, t Track) (Track, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Track{}, err
	}
	t.Path = path
	t.Missing = false
	// An upsert: a scan may have found the file already.
	err = l.st.DB.QueryRowContext(ctx, `INSERT INTO tracks (path, size, mtime_ns, format, artist, title, album,
			duration_ms, sample_rate, bitrate, error, missing, added_at, loudness_lufs, true_peak_dbtp, loudness_source)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, ?, ?, ?, ?)
		ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
			format = excluded.format, artist = excluded.artist, title = excluded.title,
			album = excluded.album, duration_ms = excluded.duration_ms,
			sample_rate = excluded.sample_rate, bitrate = excluded.bitrate, error = '', missing = 0,
			loudness_lufs = excluded.loudness_lufs, true_peak_dbtp = excluded.true_peak_dbtp,
			loudness_source = excluded.loudness_source
		RETURNING id`,
		path, fi.Size(), fi.ModTime().UnixNano(), t.Format, t.Artist, t.Title, t.Album,
		t.DurationMS, t.SampleRate, t.Bitrate, time.Now().Unix(),
		t.LoudnessLUFS, t.TruePeakDBTP, t.LoudnessSource).Scan(&t.ID)
	if err != nil {
		return Track{}, fmt.Errorf("add to the library: %w", err)
	}
	return t, nil
}

// uploadClean returns name's last path element (after the last / or \)
// without invalid UTF-8, control characters and characters some file
// systems refuse (<>:"|?*; ':' names an NTFS stream). The result may be
// empty.
func uploadClean(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.ToValidUTF8(name, "")
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20, r == 0x7F, r >= 0x80 && r < 0xA0, strings.ContainsRune(`<>:"|?*`, r):
			return -1
		}
		return r
	}, name)
}

// uploadAudioExt are extensions an upload's name loses: the detected
// format's replaces them.
var uploadAudioExt = []string{".mp3", ".mp2", ".mpga", ".ogg", ".oga", ".opus", ".wav", ".flac",
	".m4a", ".aac", ".wma", ".txt", ".bin", ".tmp", ".part"}

// uploadFileName returns the name an upload called name is stored under
// when its content is format ("mp3" or "ogg"): never empty, never a
// hidden file, ".." or a path.
func uploadFileName(name, format string) string {
	base := uploadClean(name)
	if ext := filepath.Ext(base); slices.Contains(uploadAudioExt, strings.ToLower(ext)) {
		base = strings.TrimSuffix(base, ext)
	}
	// No hidden files, no "..", and no trailing dots or spaces, which
	// Windows drops.
	base = strings.Trim(base, ". ")
	if len(base) > uploadMaxName {
		cut := uploadMaxName
		for cut > 0 && !utf8.RuneStart(base[cut]) {
			cut--
		}
		base = strings.TrimRight(base[:cut], ". ")
	}
	if base == "" {
		base = "upload"
	}
	// Windows device names stay devices whatever the extension.
	switch strings.ToUpper(base) {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "LPT1", "LPT2", "LPT3":
		base = "_" + base
	}
	return base + "." + format
}
