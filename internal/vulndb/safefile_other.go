//go:build !unix

package vulndb

import (
	"io/fs"
	"os"
)

// Windows has no O_NOFOLLOW or O_NONBLOCK: os.OpenFile does not follow
// symbolic links there without FILE_FLAG_OPEN_REPARSE_POINT semantics being
// asked for, and FIFOs are not files.
const (
	oNoFollow = 0
	oNonBlock = 0
)

// fileOwner is unknown here: folder ownership is not checked.
func fileOwner(fs.FileInfo) (uint32, bool) { return 0, false }

// processAlive reports whether a process with this id exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
