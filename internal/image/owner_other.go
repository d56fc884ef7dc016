//go:build !unix

package image

import "io/fs"

func owner(fs.FileInfo) (uid, gid int, dev uint64) { return 0, 0, 0 }

// fileIdentity is "" where the device, inode and change time are not known:
// layers of local files are then not cached.
func fileIdentity(fs.FileInfo) string { return "" }
