package image

import (
	"fmt"
	"io/fs"
	"syscall"
)

// fileIdentity names a file's bytes on this machine: device, inode, size,
// modification and change times. Rewriting, replacing or moving the file
// changes it (the change time cannot be set by a user).
func fileIdentity(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("file:%d:%d:%d:%d.%09d:%d.%09d", uint64(st.Dev), uint64(st.Ino), st.Size,
			st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec)
	}
	return ""
}
