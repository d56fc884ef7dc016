// Package wire reads the compact binary records bulkhead keeps on disk (the
// per-layer cache index, the vulnerability database's entries): varints,
// length-prefixed strings and bytes. A Decoder never panics and never
// allocates more than the input holds: the first malformed read sets its
// error, and every later read returns a zero value.
package wire

import (
	"encoding/binary"
	"errors"
)

// ErrCorrupt is the default error of a malformed record.
var ErrCorrupt = errors.New("corrupt record")

// Decoder reads values from a byte slice in order.
type Decoder struct {
	b   []byte
	err error
	bad error
}

// NewDecoder reads b; corrupt is the error it reports for malformed input
// (nil means ErrCorrupt), so that callers keep their own sentinel.
func NewDecoder(b []byte, corrupt error) *Decoder {
	if corrupt == nil {
		corrupt = ErrCorrupt
	}
	return &Decoder{b: b, bad: corrupt}
}

// Err returns the first error met, or nil.
func (d *Decoder) Err() error { return d.err }

// Len returns the bytes not read yet.
func (d *Decoder) Len() int { return len(d.b) }

func (d *Decoder) fail() { d.err = d.bad }

// Uvarint reads an unsigned varint.
func (d *Decoder) Uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// Int reads an unsigned varint that must fit in 31 bits.
func (d *Decoder) Int() int {
	v := d.Uvarint()
	if v > 1<<31 {
		d.fail()
		return 0
	}
	return int(v)
}

// Varint reads a signed varint.
func (d *Decoder) Varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// Str reads a length-prefixed string.
func (d *Decoder) Str() string {
	n := d.Uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// Byte reads one byte.
func (d *Decoder) Byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// Count reads a list length, bounded by the bytes left (each item takes at
// least one byte), so that a hostile length cannot make the caller allocate
// more than the input holds.
func (d *Decoder) Count() int {
	n := d.Int()
	if n > len(d.b) {
		d.fail()
		return 0
	}
	return n
}

// AppendString appends s with its length, as Str reads it.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
