//go:build unix

package image

import (
	"io/fs"
	"syscall"
)

func owner(fi fs.FileInfo) (uid, gid int, dev uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid), uint64(st.Dev)
	}
	return 0, 0, 0
}
