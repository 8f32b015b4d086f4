package startup

import (
	"fmt"
	"log/slog"

	"onair/accesslog"
	"onair/logbook"
)

// accessTee keeps every access log entry in the console's ring and, when
// access_log names a file, writes it there too. Neither blocks.
type accessTee struct {
	ring *logbook.Ring[accesslog.Entry]
	file *accesslog.Log // nil: no access_log file
}

func (t accessTee) Write(e accesslog.Entry) {
	t.ring.Add(e)
	if t.file != nil {
		t.file.Write(e)
	}
}

// openAccessLog opens the access_log file, or returns nil when it is off.
func openAccessLog(path string, logger *slog.Logger) (*accesslog.Log, error) {
	if path == "" {
		return nil, nil
	}
	alog, err := accesslog.Open(path, accesslog.WithLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("'access_log': %w", err)
	}
	return alog, nil
}

// reopen reopens alog, so that logrotate can rename the file and have it
// reopened (main calls it on SIGHUP).
func reopen(alog *accesslog.Log, path string, logger *slog.Logger) {
	if err := alog.Reopen(); err != nil {
		logger.Error("access log not reopened; still writing to the old file", "err", err)
	} else {
		logger.Info("access log reopened", "path", path)
	}
}

// closeAccessLog flushes and closes alog once the server is closed.
func closeAccessLog(alog *accesslog.Log, logger *slog.Logger) {
	if err := alog.Close(); err != nil {
		logger.Error("closing the access log", "err", err)
	}
	if n := alog.Dropped(); n > 0 {
		logger.Warn("access log entries dropped: the disk did not keep up", "dropped", n)
	}
}
