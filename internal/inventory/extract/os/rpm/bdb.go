package rpm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// This file reads the rpm database's Berkeley DB form (var/lib/rpm/Packages,
// RHEL/CentOS up to 8, Amazon Linux 2), a hash database, following the page
// layouts of libdb's db_page.h as go-rpmdb's bdb package does. Package
// headers are stored off-page (HOFFPAGE items) in chains of overflow pages;
// each overflow page is read at most once, so a cyclic chain ends in an
// error instead of a loop.

const (
	bdbHashMagic      = 0x00061561
	bdbPageHeaderSize = 26

	bdbPageHashUnsorted = 2
	bdbPageOverflow     = 7
	bdbPageHashMeta     = 8
	bdbPageHash         = 13
	bdbItemOffPage      = 3 // HOFFPAGE
	bdbOffPageItemSize  = 12
)

// isBDB reports whether head (at least 26 bytes) starts a Berkeley DB hash
// database, and its byte order.
func isBDB(head []byte) (binary.ByteOrder, bool) {
	if len(head) < 26 {
		return nil, false
	}
	switch {
	case binary.LittleEndian.Uint32(head[12:16]) == bdbHashMagic:
		return binary.LittleEndian, true
	case binary.BigEndian.Uint32(head[12:16]) == bdbHashMagic:
		return binary.BigEndian, true
	}
	return nil, false
}

// bdbBlobs calls fn with every package blob of a Berkeley DB hash database;
// an item that cannot be read is passed with its error and a nil blob.
func bdbBlobs(r io.ReaderAt, size int64, maxBlob int, fn func(record int64, blob []byte, err error) error) error {
	meta := make([]byte, 512)
	if _, err := r.ReadAt(meta, 0); err != nil {
		return fmt.Errorf("read berkeley db metadata: %w", err)
	}
	order, ok := isBDB(meta)
	if !ok {
		return errors.New("not a berkeley db hash database")
	}
	pageSize := order.Uint32(meta[20:24])
	switch pageSize {
	case 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536:
	default:
		return fmt.Errorf("berkeley db page size %d", pageSize)
	}
	if meta[24] != 0 {
		return errors.New("encrypted berkeley db")
	}
	if meta[25] != bdbPageHashMeta {
		return fmt.Errorf("berkeley db metadata page type %d, want hash", meta[25])
	}
	lastPage := order.Uint32(meta[32:36])
	if max := uint32(size / int64(pageSize)); max == 0 {
		return errors.New("berkeley db shorter than one page")
	} else if lastPage >= max {
		lastPage = max - 1
	}
	seenOverflow := map[uint32]bool{}
	page := make([]byte, pageSize)
	for pg := uint32(1); pg <= lastPage; pg++ {
		if _, err := r.ReadAt(page, int64(pg)*int64(pageSize)); err != nil {
			return fmt.Errorf("read berkeley db page %d: %w", pg, err)
		}
		if t := page[25]; t != bdbPageHash && t != bdbPageHashUnsorted {
			continue
		}
		n := int(order.Uint16(page[20:22]))
		if n%2 != 0 || bdbPageHeaderSize+2*n > len(page) {
			if err := fn(int64(pg), nil, fmt.Errorf("page %d: bad item count %d", pg, n)); err != nil {
				return err
			}
			continue
		}
		// Items come in key/value pairs; the values hold the headers.
		for i := 1; i < n; i += 2 {
			off := int(order.Uint16(page[bdbPageHeaderSize+2*i:]))
			if off < bdbPageHeaderSize || off >= len(page) || page[off] != bdbItemOffPage {
				continue // an on-page item (or none): not a package header
			}
			if off+bdbOffPageItemSize > len(page) {
				if err := fn(int64(pg), nil, fmt.Errorf("page %d: item %d at bad offset %d", pg, i, off)); err != nil {
					return err
				}
				continue
			}
			first := order.Uint32(page[off+4 : off+8])
			length := order.Uint32(page[off+8 : off+12])
			blob, err := bdbOverflow(r, order, pageSize, lastPage, first, length, maxBlob, seenOverflow)
			if err != nil {
				err = fmt.Errorf("page %d item %d: %w", pg, i, err)
			}
			if ferr := fn(int64(first), blob, err); ferr != nil {
				return ferr
			}
		}
	}
	return nil
}

// bdbOverflow reads an item of length bytes from the overflow chain that
// starts at page first.
func bdbOverflow(r io.ReaderAt, order binary.ByteOrder, pageSize, lastPage, first, length uint32, maxBlob int, seen map[uint32]bool) ([]byte, error) {
	if int64(length) > int64(maxBlob) {
		return nil, fmt.Errorf("%w: %d bytes", errTooLargeRecord, length)
	}
	if int64(length) > int64(lastPage)*int64(pageSize) {
		return nil, fmt.Errorf("item of %d bytes is larger than the database", length)
	}
	out := make([]byte, 0, length)
	page := make([]byte, pageSize)
	for pg := first; uint32(len(out)) < length; {
		if pg == 0 || pg > lastPage {
			return nil, fmt.Errorf("overflow chain reaches page %d (of %d)", pg, lastPage)
		}
		if seen[pg] {
			return nil, fmt.Errorf("overflow page %d used twice", pg)
		}
		seen[pg] = true
		if _, err := r.ReadAt(page, int64(pg)*int64(pageSize)); err != nil {
			return nil, fmt.Errorf("read overflow page %d: %w", pg, err)
		}
		if page[25] != bdbPageOverflow {
			return nil, fmt.Errorf("page %d is of type %d, want overflow", pg, page[25])
		}
		next := order.Uint32(page[16:20])
		chunk := page[bdbPageHeaderSize:]
		if next == 0 {
			// The last page says how much of it is used.
			used := int(order.Uint16(page[22:24]))
			if used > len(chunk) {
				return nil, fmt.Errorf("overflow page %d claims %d bytes", pg, used)
			}
			chunk = chunk[:used]
		}
		if rest := int(length) - len(out); len(chunk) > rest {
			chunk = chunk[:rest]
		}
		out = append(out, chunk...)
		if next == 0 {
			break
		}
		pg = next
	}
	if uint32(len(out)) != length {
		return nil, fmt.Errorf("overflow chain holds %d of %d bytes", len(out), length)
	}
	return out, nil
}
