// Package binfile holds what the binary extractors (Go buildinfo,
// cargo-auditable) share: the cheap test that picks candidate executables
// from a path and mode, and a peek at an input's magic number that leaves
// the input readable from its start.
package binfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// Required reports whether a file may be a compiled executable or shared
// object worth opening: a regular file with an execute bit, or, in a
// directory named bin or sbin, a regular file with no extension or a .so
// extension. It looks at the path and mode only.
func Required(p string, mode fs.FileMode) bool {
	if !mode.IsRegular() {
		return false
	}
	if mode&0o111 != 0 {
		return true
	}
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	if d := path.Base(dir); d != "bin" && d != "sbin" {
		return false
	}
	ext := path.Ext(base)
	return ext == "" || ext == ".so"
}

// Format is an executable container format.
type Format int

// The formats Magic recognises.
const (
	Unknown Format = iota
	ELF
	MachO
	PE
)

// Sniff names the executable format of a file from its first four bytes.
func Sniff(magic []byte) Format {
	if len(magic) < 4 {
		return Unknown
	}
	switch {
	case bytes.Equal(magic[:4], []byte("\x7fELF")):
		return ELF
	case bytes.Equal(magic[:2], []byte("MZ")):
		return PE
	}
	switch string(magic[:4]) {
	case "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe", "\xca\xfe\xba\xbe":
		// 32/64-bit Mach-O in both byte orders, and fat (universal) binaries.
		return MachO
	}
	return Unknown
}

// Peek reads the first n bytes of the input without losing them: it returns
// the bytes and an Input to use from then on, which reads from the start.
// A short file returns fewer bytes and no error.
func Peek(in *inventory.Input, n int) ([]byte, *inventory.Input, error) {
	buf := make([]byte, n)
	if ra, ok := in.Reader.(io.ReaderAt); ok {
		m, err := ra.ReadAt(buf, 0)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("peek %q: %w", in.Path, err)
		}
		return buf[:m], in, nil
	}
	m, err := io.ReadFull(in.Reader, buf)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, nil, fmt.Errorf("peek %q: %w", in.Path, err)
	}
	buf = buf[:m]
	out := *in
	out.Reader = io.MultiReader(bytes.NewReader(buf), in.Reader)
	return buf, &out, nil
}
