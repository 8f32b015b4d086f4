//go:build unix

package backup

import (
	"os"
	"syscall"
)

// chownLike gives path the owner of like, when this process may (root
// restoring for the service's user): a database root owns would be
// read-only to the server. Otherwise it leaves it.
func chownLike(path, like string) {
	fi, err := os.Stat(like)
	if err != nil {
		return
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
		_ = os.Lchown(path, int(st.Uid), int(st.Gid)) // best effort; the server's error would say more
	}
}
