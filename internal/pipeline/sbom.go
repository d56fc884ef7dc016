package pipeline

import (
	"context"
	"fmt"
	"os"

	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/sbomread"
)

// ScanSBOM reads a CycloneDX or SPDX JSON SBOM and matches its packages
// against the vulnerability database, as if they had been found in a scan.
func ScanSBOM(ctx context.Context, file string, cfg Config) (*report.Report, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read SBOM: %w", err)
	}
	defer f.Close()
	r, err := sbomread.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("read SBOM %q: %w", file, err)
	}
	r.ToolVersion = cfg.ToolVersion
	if cfg.enabled(ScanVuln) {
		matchVulnerabilities(ctx, r, cfg)
	}
	return r, nil
}
