// Command sbomgen writes a large CycloneDX or SPDX JSON SBOM (bulkhead's
// own writers over a generated report of n packages) for bench/sbom.sh.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/bulkhead-sec/bulkhead/internal/report/format/cyclonedx"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/spdx"
)

func main() {
	n := flag.Int("n", 400_000, "packages")
	format := flag.String("format", "cyclonedx", "cyclonedx or spdx")
	out := flag.String("o", "", "file to write")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "sbomgen: -o FILE is required")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbomgen:", err)
		os.Exit(1)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := formattest.Large(*n, 0)
	switch *format {
	case "cyclonedx":
		err = cyclonedx.Write(w, r, cyclonedx.Options{})
	case "spdx":
		err = spdx.Write(w, r, spdx.Options{})
	default:
		err = fmt.Errorf("unknown format %q", *format)
	}
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbomgen:", err)
		os.Exit(1)
	}
}
