package sbomread_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/report/format/cyclonedx"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/spdx"
)

// TestWriteBenchSBOMs writes the large SBOMs bench/sbom.sh measures, when
// BULKHEAD_SBOM_BENCH_DIR names where: sbom.cdx.json (CycloneDX) and
// sbom.spdx.json (SPDX) of BULKHEAD_SBOM_BENCH_CDX and _SPDX packages.
func TestWriteBenchSBOMs(t *testing.T) {
	dir := os.Getenv("BULKHEAD_SBOM_BENCH_DIR")
	if dir == "" {
		t.Skip("skipping: BULKHEAD_SBOM_BENCH_DIR is not set (bench/sbom.sh sets it)")
	}
	for _, tc := range []struct {
		file, env string
		write     func(f *bufio.Writer, n int) error
	}{
		{"sbom.cdx.json", "BULKHEAD_SBOM_BENCH_CDX", func(w *bufio.Writer, n int) error {
			return cyclonedx.Write(w, formattest.Large(n, 0), cyclonedx.Options{})
		}},
		{"sbom.spdx.json", "BULKHEAD_SBOM_BENCH_SPDX", func(w *bufio.Writer, n int) error {
			return spdx.Write(w, formattest.Large(n, 0), spdx.Options{})
		}},
	} {
		n, err := strconv.Atoi(os.Getenv(tc.env))
		if err != nil || n <= 0 {
			t.Fatalf("%s=%q: want a package count", tc.env, os.Getenv(tc.env))
		}
		f, err := os.Create(filepath.Join(dir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		err = tc.write(w, n)
		if err == nil {
			err = w.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
