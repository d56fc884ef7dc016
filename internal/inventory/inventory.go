// Package inventory defines what bulkhead knows about the software in a
// target: the Package record, the OS the target runs, and the Extractor
// interface that every package-database and lockfile parser implements.
//
// The core owns the walk over a filesystem or image: an extractor only says,
// with a cheap test on the path, which files it wants (Required), and is then
// handed each such file once (Extract). Extractors are listed explicitly in
// package inventory/list; there is no init() registration.
package inventory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Package is one installed or declared piece of software.
type Package struct {
	// Name is the package name as its ecosystem spells it. For Maven it is
	// "group:artifact"; for npm scoped packages "@scope/name"; for Go the
	// module path.
	Name string `json:"name"`
	// Version is the full version, epoch included for distro packages
	// ("1:2.3-4" for dpkg, "1:2.3-4.el9" for rpm).
	Version string `json:"version"`
	// Type is the package-url type: deb, apk, rpm, golang, npm, pypi, maven,
	// gem, cargo, composer, nuget.
	Type string `json:"type"`
	// Arch is the architecture, for distro packages.
	Arch string `json:"arch,omitempty"`
	// SourceName and SourceVersion name the source package a distro binary
	// package was built from (dpkg Source:, apk origin, rpm SOURCERPM), when
	// known; SourceName is empty when it equals Name.
	SourceName    string `json:"source_name,omitempty"`
	SourceVersion string `json:"source_version,omitempty"`
	// Licenses are the declared licence expressions, as written.
	Licenses []string `json:"licenses,omitempty"`
	// PURL is the package URL; Finalize fills it in when an extractor did not.
	PURL string `json:"purl,omitempty"`
	// Path is the file the package was found in (slash separated, no
	// leading slash, relative to the scanned root).
	Path string `json:"path,omitempty"`
	// Layer is the digest of the image layer that added Path.
	Layer string `json:"layer,omitempty"`
	// Relationship is "direct" or "transitive" where a lockfile says so.
	Relationship string `json:"relationship,omitempty"`
	// DependsOn lists the names of the packages this one depends on, where known.
	DependsOn []string `json:"depends_on,omitempty"`
	// Extractor names the extractor that found the package.
	Extractor string `json:"extractor,omitempty"`
	// Metadata holds extractor-specific facts as plain strings (the Go
	// toolchain a binary was built with, a jar's Main-Class, ...).
	Metadata map[string]string `json:"metadata,omitempty"`
}

// OS describes the operating system of a root filesystem, from os-release
// and the distro-specific release files.
type OS struct {
	// ID is os-release's ID: "debian", "alpine", "ubuntu", "rhel", ...
	ID string `json:"id"`
	// VersionID is os-release's VERSION_ID: "12", "3.18.4", "9.3".
	VersionID string `json:"version_id,omitempty"`
	// Codename is VERSION_CODENAME, such as "bookworm".
	Codename   string `json:"codename,omitempty"`
	PrettyName string `json:"pretty_name,omitempty"`
	// Distroless is set for Debian-based distroless images (dpkg status.d,
	// no os-release package manager).
	Distroless bool `json:"distroless,omitempty"`
}

// Input is one file handed to an extractor.
type Input struct {
	// Path is slash separated, relative to the root, with no leading slash.
	Path string
	// Mode and Size are those of the file (after following no links).
	Mode fs.FileMode
	Size int64
	// Reader yields the file's bytes. It may be read once.
	Reader io.Reader
	// OS is the detected OS of the target, when the extractor runs after
	// detection (it may be nil).
	OS *OS
	// TempDir is where an extractor may spill content it needs on disk
	// (inside bulkhead's cache dir). Empty means os.TempDir().
	TempDir string
	// MaxBytes bounds what an extractor reads into memory or spills; zero
	// means DefaultMaxBytes.
	MaxBytes int64
}

// DefaultMaxBytes bounds how much of one file an extractor buffers.
const DefaultMaxBytes = 512 << 20

// ErrTooLarge is returned when a file exceeds the configured limit.
var ErrTooLarge = errors.New("file exceeds the size limit")

// Extractor finds packages in files of one kind.
type Extractor interface {
	// Name is unique in the extractor list, such as "os/dpkg".
	Name() string
	// Version changes whenever the extractor's output for the same input may
	// change, so that cached per-layer results are recomputed.
	Version() int
	// Required reports, from the path and mode alone, whether the extractor
	// wants the file. It must be cheap: it is called for every file.
	Required(path string, mode fs.FileMode) bool
	// Extract parses one file. A file that turns out not to be what the
	// extractor wants returns (nil, nil).
	Extract(ctx context.Context, in *Input) ([]Package, error)
}

// ReaderAtCloser is random access to an input's bytes.
type ReaderAtCloser interface {
	io.ReaderAt
	io.Closer
}

// ReaderAt gives random access to the input's bytes, for formats such as zip
// and ELF. The reader is reused if it already allows it; small files are
// read into memory, larger ones spill to a temporary file under TempDir that
// Close removes. Files over MaxBytes return ErrTooLarge.
func (in *Input) ReaderAt() (ReaderAtCloser, int64, error) {
	max := in.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	if in.Size > max {
		return nil, 0, fmt.Errorf("%s: %d bytes: %w (limit %d)", in.Path, in.Size, ErrTooLarge, max)
	}
	if f, ok := in.Reader.(*os.File); ok {
		return nopCloser{f}, in.Size, nil
	}
	if ra, ok := in.Reader.(io.ReaderAt); ok && in.Size >= 0 {
		return nopCloser{ra}, in.Size, nil
	}
	const inMemory = 32 << 20
	if in.Size >= 0 && in.Size <= inMemory {
		b, err := io.ReadAll(io.LimitReader(in.Reader, in.Size+1))
		if err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", in.Path, err)
		}
		return nopCloser{bytesReaderAt(b)}, int64(len(b)), nil
	}
	f, err := os.CreateTemp(in.TempDir, "bulkhead-spill-*")
	if err != nil {
		return nil, 0, fmt.Errorf("spill %s: %w", in.Path, err)
	}
	n, err := io.Copy(f, io.LimitReader(in.Reader, max+1))
	if err == nil && n > max {
		err = fmt.Errorf("%s: %w (limit %d)", in.Path, ErrTooLarge, max)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, 0, err
	}
	return &tempFile{f}, n, nil
}

type nopCloser struct{ io.ReaderAt }

func (nopCloser) Close() error { return nil }

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

type tempFile struct{ *os.File }

func (t *tempFile) Close() error {
	err := t.File.Close()
	os.Remove(t.File.Name())
	return err
}
