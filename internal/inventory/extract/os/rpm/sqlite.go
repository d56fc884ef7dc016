package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// This file reads the rpm database's SQLite form (rpmdb.sqlite, rpm >= 4.16)
// without an SQL engine: it walks the table b-tree of the Packages table
// (hnum INTEGER PRIMARY KEY, blob BLOB) as the file format documents it
// (https://www.sqlite.org/fileformat2.html). Every page is visited at most
// once, so a damaged or hostile file cannot make it loop; pages added by a
// write-ahead log that was never checkpointed are not seen.

var sqliteMagic = []byte("SQLite format 3\x00")

const maxTreeDepth = 64

type sqliteDB struct {
	r        io.ReaderAt
	pageSize int
	usable   int
	pages    uint32
	visited  map[uint32]bool
}

func openSQLite(r io.ReaderAt, size int64) (*sqliteDB, error) {
	var hdr [100]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return nil, fmt.Errorf("read sqlite header: %w", err)
	}
	if !bytes.Equal(hdr[:16], sqliteMagic) {
		return nil, errors.New("not an sqlite database")
	}
	ps := int(binary.BigEndian.Uint16(hdr[16:18]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, fmt.Errorf("sqlite page size %d", ps)
	}
	usable := ps - int(hdr[20])
	if usable < 480 {
		return nil, fmt.Errorf("sqlite usable page size %d", usable)
	}
	return &sqliteDB{
		r: r, pageSize: ps, usable: usable,
		pages:   uint32(size / int64(ps)),
		visited: map[uint32]bool{},
	}, nil
}

// page reads page n (1-based), each at most once.
func (db *sqliteDB) page(n uint32) ([]byte, error) {
	if n < 1 || n > db.pages {
		return nil, fmt.Errorf("sqlite page %d out of range (1..%d)", n, db.pages)
	}
	if db.visited[n] {
		return nil, fmt.Errorf("sqlite page %d referenced twice", n)
	}
	db.visited[n] = true
	b := make([]byte, db.pageSize)
	if _, err := db.r.ReadAt(b, int64(n-1)*int64(db.pageSize)); err != nil {
		return nil, fmt.Errorf("read sqlite page %d: %w", n, err)
	}
	return b, nil
}

// walkTable calls fn with the payload of every row of the table b-tree
// rooted at root, in rowid order. A row whose payload is larger than
// maxPayload is reported to fn as a nil payload with errTooLargeRecord.
func (db *sqliteDB) walkTable(root uint32, maxPayload int, fn func(rowid int64, payload []byte, err error) error) error {
	return db.walk(root, 0, maxPayload, fn)
}

var errTooLargeRecord = errors.New("record too large")

func (db *sqliteDB) walk(pgno uint32, depth, maxPayload int, fn func(int64, []byte, error) error) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("sqlite b-tree deeper than %d", maxTreeDepth)
	}
	p, err := db.page(pgno)
	if err != nil {
		return err
	}
	h := 0
	if pgno == 1 {
		h = 100
	}
	if h+8 > len(p) {
		return fmt.Errorf("sqlite page %d: short", pgno)
	}
	typ := p[h]
	ncells := int(binary.BigEndian.Uint16(p[h+3 : h+5]))
	hdrLen := 8
	if typ == 0x05 {
		hdrLen = 12
	} else if typ != 0x0d {
		return fmt.Errorf("sqlite page %d: type %#x is not a table b-tree page", pgno, typ)
	}
	ptrs := h + hdrLen
	if ptrs+2*ncells > db.usable {
		return fmt.Errorf("sqlite page %d: %d cells do not fit", pgno, ncells)
	}
	for i := 0; i < ncells; i++ {
		off := int(binary.BigEndian.Uint16(p[ptrs+2*i:]))
		if off < ptrs+2*ncells || off >= db.usable {
			return fmt.Errorf("sqlite page %d: cell %d at bad offset %d", pgno, i, off)
		}
		cell := p[off:db.usable]
		if typ == 0x05 {
			if len(cell) < 4 {
				return fmt.Errorf("sqlite page %d: short cell %d", pgno, i)
			}
			if err := db.walk(binary.BigEndian.Uint32(cell[:4]), depth+1, maxPayload, fn); err != nil {
				return err
			}
			continue
		}
		plen, n := sqliteVarint(cell)
		if n == 0 {
			return fmt.Errorf("sqlite page %d: cell %d: bad payload size", pgno, i)
		}
		cell = cell[n:]
		rowid, n := sqliteVarint(cell)
		if n == 0 {
			return fmt.Errorf("sqlite page %d: cell %d: bad rowid", pgno, i)
		}
		cell = cell[n:]
		payload, err := db.payload(cell, plen, maxPayload)
		if err != nil && !errors.Is(err, errTooLargeRecord) {
			err = fmt.Errorf("row %d: %w", int64(rowid), err)
		}
		if ferr := fn(int64(rowid), payload, err); ferr != nil {
			return ferr
		}
	}
	if typ == 0x05 {
		return db.walk(binary.BigEndian.Uint32(p[h+8:h+12]), depth+1, maxPayload, fn)
	}
	return nil
}

// payload assembles a cell's payload of plen bytes: the part stored on the
// page, then the overflow chain.
func (db *sqliteDB) payload(cell []byte, plen uint64, maxPayload int) ([]byte, error) {
	u := uint64(db.usable)
	x := u - 35
	local := plen
	if plen > x {
		m := (u-12)*32/255 - 23
		k := m + (plen-m)%(u-4)
		local = m
		if k <= x {
			local = k
		}
	}
	if local > uint64(len(cell)) {
		return nil, fmt.Errorf("local payload of %d bytes overruns its page", local)
	}
	if plen > uint64(db.pages)*u {
		return nil, fmt.Errorf("payload of %d bytes is larger than the database", plen)
	}
	if plen > uint64(maxPayload) {
		return nil, fmt.Errorf("%w: %d bytes", errTooLargeRecord, plen)
	}
	out := make([]byte, 0, plen)
	out = append(out, cell[:local]...)
	if local == plen {
		return out, nil
	}
	if uint64(len(cell)) < local+4 {
		return nil, errors.New("overflow pointer overruns its page")
	}
	next := binary.BigEndian.Uint32(cell[local : local+4])
	for uint64(len(out)) < plen {
		if next == 0 {
			return nil, errors.New("overflow chain ends early")
		}
		p, err := db.page(next)
		if err != nil {
			return nil, err
		}
		next = binary.BigEndian.Uint32(p[:4])
		chunk := p[4:db.usable]
		if rest := plen - uint64(len(out)); uint64(len(chunk)) > rest {
			chunk = chunk[:rest]
		}
		out = append(out, chunk...)
	}
	return out, nil
}

// sqliteVarint decodes SQLite's big-endian variable-length integer; n is 0
// when b ends first.
func sqliteVarint(b []byte) (v uint64, n int) {
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// recordColumns decodes a record's columns as raw byte slices; integers are
// returned in their stored big-endian form and kinds says what each column
// is: 'n' null, 'i' integer, 'f' float, 'b' blob, 't' text.
func recordColumns(rec []byte) (cols [][]byte, kinds []byte, err error) {
	hlen, n := sqliteVarint(rec)
	if n == 0 || hlen > uint64(len(rec)) || hlen < uint64(n) {
		return nil, nil, errors.New("bad record header")
	}
	hdr := rec[n:hlen]
	body := rec[hlen:]
	for len(hdr) > 0 {
		st, n := sqliteVarint(hdr)
		if n == 0 {
			return nil, nil, errors.New("bad record serial type")
		}
		hdr = hdr[n:]
		var size uint64
		kind := byte('i')
		switch {
		case st == 0:
			kind = 'n'
		case st <= 4:
			size = st
		case st == 5:
			size = 6
		case st == 6:
			size = 8
		case st == 7:
			size, kind = 8, 'f'
		case st == 8 || st == 9:
			// the constants 0 and 1
		case st == 10 || st == 11:
			return nil, nil, fmt.Errorf("reserved serial type %d", st)
		case st%2 == 0:
			size, kind = (st-12)/2, 'b'
		default:
			size, kind = (st-13)/2, 't'
		}
		if size > uint64(len(body)) {
			return nil, nil, errors.New("record column overruns the record")
		}
		cols = append(cols, body[:size])
		kinds = append(kinds, kind)
		body = body[size:]
	}
	return cols, kinds, nil
}

// beInt decodes a record integer column.
func beInt(b []byte) int64 {
	var v int64
	if len(b) > 0 && b[0]&0x80 != 0 {
		v = -1
	}
	for _, c := range b {
		v = v<<8 | int64(c)
	}
	return v
}

// sqliteBlobs calls fn with the blob of every row of the Packages table.
// Rows that cannot be read are passed with their error and a nil blob; the
// walk goes on unless fn returns an error.
func sqliteBlobs(r io.ReaderAt, size int64, maxBlob int, fn func(record int64, blob []byte, err error) error) error {
	db, err := openSQLite(r, size)
	if err != nil {
		return err
	}
	var root int64
	err = db.walkTable(1, 1<<20, func(_ int64, payload []byte, err error) error {
		if err != nil || root != 0 {
			return nil
		}
		cols, kinds, err := recordColumns(payload)
		if err != nil || len(cols) < 4 {
			return nil
		}
		if string(cols[0]) == "table" && string(cols[1]) == "Packages" && kinds[3] == 'i' {
			root = beInt(cols[3])
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read sqlite schema: %w", err)
	}
	if root <= 1 || root > int64(db.pages) {
		return errors.New("sqlite database has no Packages table")
	}
	return db.walkTable(uint32(root), maxBlob+64, func(rowid int64, payload []byte, err error) error {
		if err != nil {
			return fn(rowid, nil, err)
		}
		cols, kinds, err := recordColumns(payload)
		if err == nil && (len(cols) < 2 || kinds[1] != 'b' && kinds[1] != 't') {
			err = errors.New("no blob column")
		}
		if err != nil {
			return fn(rowid, nil, fmt.Errorf("row %d: %w", rowid, err))
		}
		return fn(rowid, cols[1], nil)
	})
}
