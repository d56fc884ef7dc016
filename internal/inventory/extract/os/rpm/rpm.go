// Package rpm extracts the packages installed on Red Hat, CentOS, Rocky,
// Alma, Oracle, Fedora, Amazon Linux, SUSE, Photon and Mariner images from
// rpm's package database, in any of its three forms:
//
//   - SQLite, rpm >= 4.16: var/lib/rpm/rpmdb.sqlite, usr/lib/sysimage/rpm/rpmdb.sqlite
//   - NDB (SUSE): var/lib/rpm/Packages.db, usr/lib/sysimage/rpm/Packages.db
//   - Berkeley DB hash: var/lib/rpm/Packages, usr/lib/sysimage/rpm/Packages
//
// The format is told by the file's magic, not its name. The three readers
// follow the layouts that github.com/knqyf263/go-rpmdb reads (and the test
// suite checks them against it), but are written here for hostile input: they
// read through an io.ReaderAt (no path, no temporary file for small
// databases), visit every page at most once, bound every record by
// MaxRecordBytes, run in the caller's goroutine, and report a damaged record
// as a skip while the rest of the database still loads. SQLite pages still
// in an uncheckpointed write-ahead log (rpmdb.sqlite-wal) are not read.
//
// For each package: Name, Version as [EPOCH:]VERSION-RELEASE (epoch left out
// when absent or 0), Arch, Licenses (the LICENSE tag, one expression),
// SourceName and SourceVersion from SOURCERPM ("openssl-3.0.7-24.el9.src.rpm";
// SourceVersion carries the binary's epoch), and Metadata "vendor" and
// "modularitylabel" when set. The gpg-pubkey pseudo-packages that hold
// imported signing keys are not packages and are left out.
package rpm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// Name is the extractor's name.
const Name = "os/rpm"

// MaxRecordBytes bounds one package header (rpm's own limit is 256 MiB; real
// headers are well under a few MiB).
const MaxRecordBytes = 64 << 20

// MaxPackages bounds the packages of one database.
const MaxPackages = 200_000

// ErrTooManyPackages is returned when a database holds more than
// MaxPackages packages.
var ErrTooManyPackages = errors.New("too many packages")

var paths = map[string]bool{
	"var/lib/rpm/Packages":              true,
	"var/lib/rpm/Packages.db":           true,
	"var/lib/rpm/rpmdb.sqlite":          true,
	"usr/lib/sysimage/rpm/Packages":     true,
	"usr/lib/sysimage/rpm/Packages.db":  true,
	"usr/lib/sysimage/rpm/rpmdb.sqlite": true,
}

// Extractor reads rpm package databases.
type Extractor struct{}

var _ inventory.Extractor = Extractor{}

// New returns the rpm extractor.
func New() inventory.Extractor { return Extractor{} }

// Name implements inventory.Extractor.
func (Extractor) Name() string { return Name }

// Version implements inventory.Extractor.
func (Extractor) Version() int { return 1 }

// Required implements inventory.Extractor.
func (Extractor) Required(path string, mode fs.FileMode) bool {
	return mode.IsRegular() && paths[path]
}

// Result is what one database yields.
type Result struct {
	// Format is "sqlite", "ndb" or "bdb".
	Format   string
	Packages []inventory.Package
	// Skipped are the records that could not be read, with the reason.
	Skipped []Skip
}

// Skip is one database record that was not reported as a package.
type Skip struct {
	// Record identifies the record in its format: the SQLite rowid, the
	// NDB package index or slot, the Berkeley DB overflow page.
	Record int64  `json:"record"`
	Reason string `json:"reason"`
}

// Extract implements inventory.Extractor. Damaged records are left out (see
// Parse for them); it fails only when the file is not a readable rpm
// database, or when every record in it is damaged.
func (e Extractor) Extract(ctx context.Context, in *inventory.Input) ([]inventory.Package, error) {
	r, err := e.Parse(ctx, in)
	if err != nil {
		return nil, err
	}
	if len(r.Packages) == 0 && len(r.Skipped) > 0 {
		return nil, fmt.Errorf("read rpm database %q: all %d records damaged, first: record %d: %s",
			in.Path, len(r.Skipped), r.Skipped[0].Record, r.Skipped[0].Reason)
	}
	return r.Packages, nil
}

// Parse reads the database and returns its packages and the records it
// skipped.
func (Extractor) Parse(ctx context.Context, in *inventory.Input) (*Result, error) {
	ra, size, err := in.ReaderAt()
	if err != nil {
		return nil, fmt.Errorf("read rpm database %q: %w", in.Path, err)
	}
	defer ra.Close()

	head := make([]byte, 64)
	n, _ := ra.ReadAt(head, 0)
	head = head[:n]
	res := &Result{}
	var blobs func(*Result) error
	walk := func(read func(fn func(int64, []byte, error) error) error) func(*Result) error {
		return func(res *Result) error {
			return read(func(record int64, blob []byte, err error) error {
				if len(res.Packages)%64 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				if err != nil {
					res.Skipped = append(res.Skipped, Skip{Record: record, Reason: err.Error()})
					return nil
				}
				pkg, ok, err := toPackage(blob)
				if err != nil {
					res.Skipped = append(res.Skipped, Skip{Record: record, Reason: err.Error()})
					return nil
				}
				if !ok {
					return nil
				}
				if len(res.Packages) >= MaxPackages {
					return fmt.Errorf("%w: more than %d", ErrTooManyPackages, MaxPackages)
				}
				pkg.Path = in.Path
				pkg.Extractor = Name
				res.Packages = append(res.Packages, pkg)
				return nil
			})
		}
	}
	switch {
	case len(head) >= 16 && string(head[:16]) == string(sqliteMagic):
		res.Format = "sqlite"
		blobs = walk(func(fn func(int64, []byte, error) error) error { return sqliteBlobs(ra, size, MaxRecordBytes, fn) })
	case isNDB(head):
		res.Format = "ndb"
		blobs = walk(func(fn func(int64, []byte, error) error) error { return ndbBlobs(ra, size, MaxRecordBytes, fn) })
	default:
		if _, ok := isBDB(head); !ok {
			return nil, fmt.Errorf("read rpm database %q: not an sqlite, ndb or berkeley db rpm database", in.Path)
		}
		res.Format = "bdb"
		blobs = walk(func(fn func(int64, []byte, error) error) error { return bdbBlobs(ra, size, MaxRecordBytes, fn) })
	}
	if err := blobs(res); err != nil {
		return nil, fmt.Errorf("read rpm database %q (%s): %w", in.Path, res.Format, err)
	}
	return res, nil
}

// toPackage turns a header blob into a Package; false for records that are
// not packages (gpg-pubkey).
func toPackage(blob []byte) (inventory.Package, bool, error) {
	h, err := parseHeader(blob)
	if err != nil {
		return inventory.Package{}, false, err
	}
	if h.name == "" || h.version == "" {
		return inventory.Package{}, false, fmt.Errorf("%w: no NAME or VERSION", errBadHeader)
	}
	if h.name == "gpg-pubkey" {
		return inventory.Package{}, false, nil
	}
	epoch := ""
	if h.epoch != nil && *h.epoch != 0 {
		epoch = strconv.Itoa(*h.epoch) + ":"
	}
	version := h.version
	if h.release != "" {
		version += "-" + h.release
	}
	p := inventory.Package{
		Name:    h.name,
		Version: epoch + version,
		Type:    "rpm",
		Arch:    h.arch,
	}
	if h.license != "" {
		p.Licenses = []string{h.license}
	}
	if name, vr, ok := parseSourceRPM(h.sourceRPM); ok {
		if name != h.name {
			p.SourceName = name
		}
		p.SourceVersion = epoch + vr
	}
	if h.vendor != "" || h.modularityLabel != "" {
		p.Metadata = map[string]string{}
		if h.vendor != "" {
			p.Metadata["vendor"] = h.vendor
		}
		if h.modularityLabel != "" {
			p.Metadata["modularitylabel"] = h.modularityLabel
		}
	}
	return p, true, nil
}
