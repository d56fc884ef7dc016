package rpm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// This file reads the rpm database's NDB form (Packages.db, SUSE), following
// rpm's lib/backend/ndb/rpmpkg.c as go-rpmdb's ndb package does: a 32-byte
// header, slot pages of 16-byte slots (the header takes the first two), and
// for each used slot a blob (16-byte blob header, then the package header)
// at the slot's block offset, in 16-byte blocks.

const (
	ndbHeaderMagic = 'R' | 'p'<<8 | 'm'<<16 | 'P'<<24
	ndbSlotMagic   = 'S' | 'l'<<8 | 'o'<<16 | 't'<<24
	ndbBlobMagic   = 'B' | 'l'<<8 | 'b'<<16 | 'S'<<24
	ndbBlockSize   = 16
	ndbSlotsPage   = 4096 / 16
	ndbMaxPages    = 2048
)

func isNDB(head []byte) bool {
	return len(head) >= 4 && binary.LittleEndian.Uint32(head) == ndbHeaderMagic
}

// ndbBlobs calls fn with every package blob of an NDB database; a slot or
// blob that cannot be read is passed with its error and a nil blob.
func ndbBlobs(r io.ReaderAt, size int64, maxBlob int, fn func(record int64, blob []byte, err error) error) error {
	var hdr [32]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return fmt.Errorf("read ndb header: %w", err)
	}
	le := binary.LittleEndian
	if le.Uint32(hdr[0:4]) != ndbHeaderMagic || le.Uint32(hdr[4:8]) != 0 {
		return errors.New("not an ndb database (version 0)")
	}
	npages := le.Uint32(hdr[12:16])
	if npages == 0 || npages > ndbMaxPages || int64(npages)*4096 > size {
		return fmt.Errorf("ndb database with %d slot pages in %d bytes", npages, size)
	}
	slots := make([]byte, int(npages)*4096-32)
	if _, err := r.ReadAt(slots, 32); err != nil {
		return fmt.Errorf("read ndb slots: %w", err)
	}
	for i := 0; i+16 <= len(slots); i += 16 {
		s := slots[i : i+16]
		if le.Uint32(s[0:4]) != ndbSlotMagic {
			if err := fn(int64(i/16), nil, fmt.Errorf("slot %d: bad magic %#x", i/16, le.Uint32(s[0:4]))); err != nil {
				return err
			}
			continue
		}
		pkgIndex := le.Uint32(s[4:8])
		if pkgIndex == 0 {
			continue // free slot
		}
		blob, err := ndbBlob(r, size, maxBlob, pkgIndex, le.Uint32(s[8:12]), le.Uint32(s[12:16]))
		if ferr := fn(int64(pkgIndex), blob, err); ferr != nil {
			return ferr
		}
	}
	return nil
}

func ndbBlob(r io.ReaderAt, size int64, maxBlob int, pkgIndex, blkOffset, blkCount uint32) ([]byte, error) {
	le := binary.LittleEndian
	off := int64(blkOffset) * ndbBlockSize
	if off+ndbBlockSize > size {
		return nil, fmt.Errorf("package %d: blob offset %d beyond the file", pkgIndex, off)
	}
	var bh [16]byte
	if _, err := r.ReadAt(bh[:], off); err != nil {
		return nil, fmt.Errorf("package %d: read blob header: %w", pkgIndex, err)
	}
	if le.Uint32(bh[0:4]) != ndbBlobMagic {
		return nil, fmt.Errorf("package %d: bad blob magic %#x", pkgIndex, le.Uint32(bh[0:4]))
	}
	if le.Uint32(bh[4:8]) != pkgIndex {
		return nil, fmt.Errorf("package %d: blob belongs to package %d", pkgIndex, le.Uint32(bh[4:8]))
	}
	n := int64(le.Uint32(bh[12:16]))
	if n > int64(maxBlob) {
		return nil, fmt.Errorf("package %d: %w: %d bytes", pkgIndex, errTooLargeRecord, n)
	}
	if n+ndbBlockSize > int64(blkCount)*ndbBlockSize || off+ndbBlockSize+n > size {
		return nil, fmt.Errorf("package %d: blob of %d bytes overruns its %d blocks", pkgIndex, n, blkCount)
	}
	blob := make([]byte, n)
	if _, err := r.ReadAt(blob, off+ndbBlockSize); err != nil {
		return nil, fmt.Errorf("package %d: read blob: %w", pkgIndex, err)
	}
	return blob, nil
}
