package vulndb

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/wire"
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
	str := func(s string) { buf = wire.AppendString(buf, s) }
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

func decodeEntries(b []byte) ([]Entry, error) {
	d := wire.NewDecoder(b, errCorrupt)
	n := d.Count()
	out := make([]Entry, 0, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		var e Entry
		e.ID, e.Ecosystem, e.Name, e.PURL = d.Str(), d.Str(), d.Str(), d.Str()
		e.Modified = time.Unix(d.Varint(), 0).UTC()
		nr := d.Count()
		if nr > 0 {
			e.Ranges = make([]Range, 0, nr)
		}
		for j := 0; j < nr && d.Err() == nil; j++ {
			r := Range{Type: d.Str(), Repo: d.Str()}
			ne := d.Count()
			r.Events = make([]Event, 0, ne)
			for k := 0; k < ne && d.Err() == nil; k++ {
				kind, v := d.Byte(), d.Str()
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
					return nil, errCorrupt
				}
			}
			e.Ranges = append(e.Ranges, r)
		}
		nv := d.Count()
		if nv > 0 {
			e.Versions = make([]string, 0, nv)
		}
		for j := 0; j < nv && d.Err() == nil; j++ {
			e.Versions = append(e.Versions, d.Str())
		}
		out = append(out, e)
	}
	if d.Err() != nil {
		return nil, d.Err()
	}
	if d.Len() != 0 {
		return nil, errCorrupt
	}
	return out, nil
}
