package rpm

import (
	"context"
	"encoding/binary"
	"fmt"
	"path"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// Header tags of the file list (rpm's lib/rpmtag.h).
const (
	tagOldFilenames = 1027
	tagDirIndexes   = 1116
	tagBasenames    = 1117
	tagDirnames     = 1118
	typeInt32Array  = typeInt32
)

// MaxFilesPerPackage bounds the file list read from one header.
const MaxFilesPerPackage = 1 << 20

// FileList is the files one installed package owns.
type FileList struct {
	Package string
	// Files are root-relative, without a leading slash.
	Files []string
}

// IsDatabase reports whether p is a path of an rpm package database.
func IsDatabase(p string) bool { return paths[p] }

// Files reads the file list of every package in an rpm database: each
// header's DIRNAMES, BASENAMES and DIRINDEXES (or the old OLDFILENAMES).
// Damaged records are left out.
func Files(ctx context.Context, in *inventory.Input) ([]FileList, error) {
	ra, size, err := in.ReaderAt()
	if err != nil {
		return nil, fmt.Errorf("read rpm database %q: %w", in.Path, err)
	}
	defer ra.Close()
	head := make([]byte, 64)
	n, _ := ra.ReadAt(head, 0)
	head = head[:n]
	var out []FileList
	fn := func(_ int64, blob []byte, err error) error {
		if len(out)%64 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err != nil {
			return nil
		}
		l, ok := fileList(blob)
		if ok {
			if len(out) >= MaxPackages {
				return fmt.Errorf("%w: more than %d", ErrTooManyPackages, MaxPackages)
			}
			out = append(out, l)
		}
		return nil
	}
	switch {
	case len(head) >= 16 && string(head[:16]) == string(sqliteMagic):
		err = sqliteBlobs(ra, size, MaxRecordBytes, fn)
	case isNDB(head):
		err = ndbBlobs(ra, size, MaxRecordBytes, fn)
	default:
		if _, ok := isBDB(head); !ok {
			return nil, fmt.Errorf("read rpm database %q: not an sqlite, ndb or berkeley db rpm database", in.Path)
		}
		err = bdbBlobs(ra, size, MaxRecordBytes, fn)
	}
	if err != nil {
		return out, fmt.Errorf("read rpm database %q: %w", in.Path, err)
	}
	return out, nil
}

// fileList reads one header's name and files; false when the record is
// damaged or not a package.
func fileList(blob []byte) (FileList, bool) {
	if len(blob) < 8 {
		return FileList{}, false
	}
	il := binary.BigEndian.Uint32(blob[0:4])
	dl := binary.BigEndian.Uint32(blob[4:8])
	if il < 1 || il > maxHeaderTags || dl > maxHeaderData {
		return FileList{}, false
	}
	dataStart := 8 + 16*int(il)
	if dataStart+int(dl) > len(blob) {
		return FileList{}, false
	}
	data := blob[dataStart : dataStart+int(dl)]
	var l FileList
	var dirs, bases, old []string
	var idx []uint32
	for i := 0; i < int(il); i++ {
		e := blob[8+16*i : 8+16*i+16]
		tag := binary.BigEndian.Uint32(e[0:4])
		typ := binary.BigEndian.Uint32(e[4:8])
		off := binary.BigEndian.Uint32(e[8:12])
		count := binary.BigEndian.Uint32(e[12:16])
		switch tag {
		case tagName:
			if s, ok := cString(data, off); ok {
				l.Package = s
			}
		case tagDirnames, tagBasenames, tagOldFilenames:
			if typ != typeStringArray || count > MaxFilesPerPackage {
				return FileList{}, false
			}
			ss, ok := stringArray(data, off, count)
			if !ok {
				return FileList{}, false
			}
			switch tag {
			case tagDirnames:
				dirs = ss
			case tagBasenames:
				bases = ss
			default:
				old = ss
			}
		case tagDirIndexes:
			if typ != typeInt32Array || count > MaxFilesPerPackage || uint64(off)+4*uint64(count) > uint64(len(data)) {
				return FileList{}, false
			}
			idx = make([]uint32, count)
			for k := range idx {
				idx[k] = binary.BigEndian.Uint32(data[off+4*uint32(k):])
			}
		}
	}
	if l.Package == "" || l.Package == "gpg-pubkey" {
		return FileList{}, false
	}
	if len(bases) > 0 {
		if len(idx) != len(bases) {
			return FileList{}, false
		}
		for k, b := range bases {
			if int(idx[k]) >= len(dirs) {
				return FileList{}, false
			}
			if f := clean(dirs[idx[k]] + b); f != "" {
				l.Files = append(l.Files, f)
			}
		}
	}
	for _, f := range old {
		if f = clean(f); f != "" {
			l.Files = append(l.Files, f)
		}
	}
	return l, true
}

// stringArray reads count NUL-terminated strings starting at off.
func stringArray(data []byte, off, count uint32) ([]string, bool) {
	out := make([]string, 0, min(count, 4096))
	for k := uint32(0); k < count; k++ {
		s, ok := cString(data, off)
		if !ok {
			return nil, false
		}
		out = append(out, s)
		off += uint32(len(s)) + 1
	}
	return out, true
}

// clean makes an absolute path root-relative; "" for the root itself.
func clean(p string) string {
	c := path.Clean("/" + p)
	if c == "/" {
		return ""
	}
	return c[1:]
}
