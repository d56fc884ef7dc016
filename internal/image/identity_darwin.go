package image

import (
	"fmt"
	"io/fs"
	"syscall"
)

// fileIdentity names a file's bytes on this machine: device, inode, size,
// modification and change times (see identity_linux.go).
func fileIdentity(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("file:%d:%d:%d:%d.%09d:%d.%09d", uint64(st.Dev), uint64(st.Ino), st.Size,
			st.Mtimespec.Sec, st.Mtimespec.Nsec, st.Ctimespec.Sec, st.Ctimespec.Nsec)
	}
	return ""
}
