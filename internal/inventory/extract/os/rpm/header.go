package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Header tags the extractor reads (rpm's lib/rpmtag.h).
const (
	tagName            = 1000
	tagVersion         = 1001
	tagRelease         = 1002
	tagEpoch           = 1003
	tagVendor          = 1011
	tagLicense         = 1014
	tagArch            = 1022
	tagSourceRPM       = 1044
	tagModularityLabel = 5096
)

// Header data types.
const (
	typeInt32       = 4
	typeString      = 6
	typeStringArray = 8
	typeI18NString  = 9
)

// Limits from rpm's header.c (hdrchkTags, hdrchkData).
const (
	maxHeaderTags = 0xffff
	maxHeaderData = 256 << 20
)

// header holds the fields of one package header that the extractor uses.
type header struct {
	name, version, release, arch, license, vendor, sourceRPM, modularityLabel string
	epoch                                                                     *int
}

var errBadHeader = errors.New("malformed rpm header")

// parseHeader reads an rpm header blob as stored in the package database:
// big-endian index count and data length, that many 16-byte index entries
// (tag, type, offset, count), then the data store. Entries that come later
// (rpm's "dribble" entries, added after install) override earlier ones.
func parseHeader(blob []byte) (*header, error) {
	if len(blob) < 8 {
		return nil, fmt.Errorf("%w: %d bytes", errBadHeader, len(blob))
	}
	il := binary.BigEndian.Uint32(blob[0:4])
	dl := binary.BigEndian.Uint32(blob[4:8])
	if il < 1 || il > maxHeaderTags || dl > maxHeaderData {
		return nil, fmt.Errorf("%w: %d tags, %d data bytes", errBadHeader, il, dl)
	}
	dataStart := 8 + 16*int(il)
	if dataStart+int(dl) > len(blob) {
		return nil, fmt.Errorf("%w: %d tags and %d data bytes do not fit in %d bytes", errBadHeader, il, dl, len(blob))
	}
	data := blob[dataStart : dataStart+int(dl)]
	h := &header{}
	for i := 0; i < int(il); i++ {
		e := blob[8+16*i : 8+16*i+16]
		tag := binary.BigEndian.Uint32(e[0:4])
		typ := binary.BigEndian.Uint32(e[4:8])
		off := binary.BigEndian.Uint32(e[8:12])
		count := binary.BigEndian.Uint32(e[12:16])
		var dst *string
		switch tag {
		case tagName:
			dst = &h.name
		case tagVersion:
			dst = &h.version
		case tagRelease:
			dst = &h.release
		case tagArch:
			dst = &h.arch
		case tagLicense:
			dst = &h.license
		case tagVendor:
			dst = &h.vendor
		case tagSourceRPM:
			dst = &h.sourceRPM
		case tagModularityLabel:
			dst = &h.modularityLabel
		case tagEpoch:
			if typ != typeInt32 || count < 1 || uint64(off)+4 > uint64(len(data)) {
				return nil, fmt.Errorf("%w: bad EPOCH entry", errBadHeader)
			}
			v := int(binary.BigEndian.Uint32(data[off : off+4]))
			h.epoch = &v
			continue
		default:
			continue
		}
		if typ != typeString && typ != typeI18NString && typ != typeStringArray {
			return nil, fmt.Errorf("%w: tag %d has type %d, want a string", errBadHeader, tag, typ)
		}
		s, ok := cString(data, off)
		if !ok {
			return nil, fmt.Errorf("%w: tag %d: string at %d out of the data store", errBadHeader, tag, off)
		}
		*dst = s
	}
	return h, nil
}

// cString returns the NUL-terminated string at off in data.
func cString(data []byte, off uint32) (string, bool) {
	if uint64(off) >= uint64(len(data)) {
		return "", false
	}
	rest := data[off:]
	n := bytes.IndexByte(rest, 0)
	if n < 0 {
		return "", false
	}
	return string(rest[:n]), true
}

// parseSourceRPM splits "openssl-3.0.7-24.el9.src.rpm" into "openssl" and
// "3.0.7-24.el9". It returns false for names that do not have that form.
func parseSourceRPM(s string) (name, versionRelease string, ok bool) {
	switch {
	case strings.HasSuffix(s, ".src.rpm"):
		s = strings.TrimSuffix(s, ".src.rpm")
	case strings.HasSuffix(s, ".nosrc.rpm"):
		s = strings.TrimSuffix(s, ".nosrc.rpm")
	default:
		return "", "", false
	}
	r := strings.LastIndexByte(s, '-')
	if r <= 0 {
		return "", "", false
	}
	v := strings.LastIndexByte(s[:r], '-')
	if v <= 0 || v+1 == r || r+1 == len(s) {
		return "", "", false
	}
	return s[:v], s[v+1:], true
}
