package vulndb

import (
	"encoding/binary"
	"errors"
	"time"
)

// The index stores entries in a compact binary form, several times faster
// to decode than JSON: a scan decodes one list per package it looks up.
//
//	list   = uvarint(count) entry*
//	entry  = str(id) str(ecosystem) str(name) str(purl) varint(modified unix)
//	         uvarint(ranges) range* uvarint(versions) str*
//	range  = str(type) str(repo) uvarint(events) (byte(kind) str(version))*
//	str    = uvarint(len) bytes

const (
	kindIntroduced = iota + 1
	kindFixed
	kindLastAffected
	kindLimit
)

var errCorrupt = errors.New("corrupt index entry")

func encodeEntries(es []Entry) []byte {
	buf := make([]byte, 0, 64*len(es))
	buf = binary.AppendUvarint(buf, uint64(len(es)))
	str := func(s string) {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	for _, e := range es {
		str(e.ID)
		str(e.Ecosystem)
		str(e.Name)
		str(e.PURL)
		buf = binary.AppendVarint(buf, e.Modified.Unix())
		buf = binary.AppendUvarint(buf, uint64(len(e.Ranges)))
		for _, r := range e.Ranges {
			str(r.Type)
			str(r.Repo)
			buf = binary.AppendUvarint(buf, uint64(len(r.Events)))
			for _, ev := range r.Events {
				switch {
				case ev.Introduced != "":
					buf = append(buf, kindIntroduced)
					str(ev.Introduced)
				case ev.Fixed != "":
					buf = append(buf, kindFixed)
					str(ev.Fixed)
				case ev.LastAffected != "":
					buf = append(buf, kindLastAffected)
					str(ev.LastAffected)
				default:
					buf = append(buf, kindLimit)
					str(ev.Limit)
				}
			}
		}
		buf = binary.AppendUvarint(buf, uint64(len(e.Versions)))
		for _, v := range e.Versions {
			str(v)
		}
	}
	return buf
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() int {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > 1<<31 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > len(d.b) {
		d.err = errCorrupt
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) byte1() byte {
	if d.err != nil || len(d.b) == 0 {
		d.err = errCorrupt
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// count reads a list length, bounded by the bytes left (each item takes at
// least one byte).
func (d *decoder) count() int {
	n := d.uvarint()
	if n > len(d.b) {
		d.err = errCorrupt
		return 0
	}
	return n
}

func decodeEntries(b []byte) ([]Entry, error) {
	d := &decoder{b: b}
	n := d.count()
	out := make([]Entry, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		var e Entry
		e.ID, e.Ecosystem, e.Name, e.PURL = d.str(), d.str(), d.str(), d.str()
		e.Modified = time.Unix(d.varint(), 0).UTC()
		nr := d.count()
		if nr > 0 {
			e.Ranges = make([]Range, 0, nr)
		}
		for j := 0; j < nr && d.err == nil; j++ {
			r := Range{Type: d.str(), Repo: d.str()}
			ne := d.count()
			r.Events = make([]Event, 0, ne)
			for k := 0; k < ne && d.err == nil; k++ {
				kind, v := d.byte1(), d.str()
				switch kind {
				case kindIntroduced:
					r.Events = append(r.Events, Event{Introduced: v})
				case kindFixed:
					r.Events = append(r.Events, Event{Fixed: v})
				case kindLastAffected:
					r.Events = append(r.Events, Event{LastAffected: v})
				case kindLimit:
					r.Events = append(r.Events, Event{Limit: v})
				default:
					d.err = errCorrupt
				}
			}
			e.Ranges = append(e.Ranges, r)
		}
		nv := d.count()
		if nv > 0 {
			e.Versions = make([]string, 0, nv)
		}
		for j := 0; j < nv && d.err == nil; j++ {
			e.Versions = append(e.Versions, d.str())
		}
		out = append(out, e)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, errCorrupt
	}
	return out, nil
}
