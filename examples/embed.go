// Package examples holds the example data of the README, built into the
// binary: a Debian 11 root filesystem to scan (rootfs/, not embedded) and
// a tiny vulnerability database's sources, real records copied unchanged
// from OSV (osv/) and the NVD CVE API (nvd/) for the packages that
// filesystem holds. bulkhead matches against this data only when there is
// no database at all, says so in the report, and fails the vulnerability
// scanner all the same: a real image needs a real database.
package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed osv nvd
var data embed.FS

// Label names the example database in reports.
const Label = "the example database built into bulkhead (examples/osv, examples/nvd)"

// WriteSources writes the embedded sources under dir and returns the
// folders to import: the OSV records and the NVD responses.
func WriteSources(dir string) ([]string, error) {
	err := fs.WalkDir(data, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := data.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		return nil, fmt.Errorf("write the example data: %w", err)
	}
	return []string{filepath.Join(dir, "osv"), filepath.Join(dir, "nvd")}, nil
}
