package scan

import (
	"encoding/binary"
	"errors"
	"io/fs"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/wire"
)

// entry is one line of a layer's entry index: what the merge needs to know
// the final filesystem, and what image checks need to know of each file.
type entry struct {
	path  string
	link  string
	size  int64
	mode  fs.FileMode
	uid   int
	gid   int
	typ   image.EntryType
	flags uint8
}

const (
	// flagReplacedInLayer: a later entry of the same layer has the same path.
	flagReplacedInLayer = 1 << iota
	flagOutsideRoot
)

func entryFrom(e *image.Entry) entry {
	en := entry{path: e.Path, link: e.Linkname, size: e.Size, mode: e.Mode, uid: e.Uid, gid: e.Gid, typ: e.Type}
	if e.OutsideRoot {
		en.flags |= flagOutsideRoot
	}
	return en
}

// packEntries encodes entries compactly (varints and length-prefixed
// strings): the cache decodes tens of thousands of them per layer.
func packEntries(es []entry) []byte {
	n := 0
	for i := range es {
		n += len(es[i].path) + len(es[i].link) + 24
	}
	b := make([]byte, 0, n+8)
	b = binary.AppendUvarint(b, uint64(len(es)))
	for i := range es {
		e := &es[i]
		b = wire.AppendString(b, e.path)
		b = wire.AppendString(b, e.link)
		b = binary.AppendVarint(b, e.size)
		b = binary.AppendUvarint(b, uint64(e.mode))
		b = binary.AppendVarint(b, int64(e.uid))
		b = binary.AppendVarint(b, int64(e.gid))
		b = append(b, byte(e.typ), e.flags)
	}
	return b
}

var errCorrupt = errors.New("corrupt entry index")

// unpackEntries decodes packEntries' output; any inconsistency is
// errCorrupt, never a panic or an oversized allocation.
func unpackEntries(b []byte) ([]entry, error) {
	d := wire.NewDecoder(b, errCorrupt)
	n := d.Uvarint()
	// Every entry takes at least 9 bytes.
	if d.Err() != nil || n > uint64(len(b))/9+1 {
		return nil, errCorrupt
	}
	es := make([]entry, n)
	for i := range es {
		e := &es[i]
		e.path = d.Str()
		e.link = d.Str()
		e.size = d.Varint()
		e.mode = fs.FileMode(d.Uvarint())
		e.uid = int(d.Varint())
		e.gid = int(d.Varint())
		e.typ = image.EntryType(d.Byte())
		e.flags = d.Byte()
		if d.Err() != nil {
			return nil, errCorrupt
		}
	}
	if d.Len() != 0 {
		return nil, errCorrupt
	}
	return es, nil
}
