// Package pipeline composes bulkhead's scanners into its jobs: an image scan,
// a filesystem scan, an SBOM. Each job is one function that a command calls
// after parsing its flags; the command then applies policy and writes the
// report. Which scanners run is plain configuration, never global state.
package pipeline

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/list"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/scan"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
)

// Scanner names, as --scanners takes them.
const (
	ScanVuln      = "vuln"
	ScanSecret    = "secret"
	ScanMisconfig = "misconfig"
)

// AllScanners lists the scanner names in the order they run.
var AllScanners = []string{ScanVuln, ScanSecret, ScanMisconfig}

// Config configures a job.
type Config struct {
	// Scanners to run beyond the package inventory; nil means all.
	Scanners []string
	// CacheDir holds per-layer results; empty means the user cache dir.
	CacheDir string
	NoCache  bool
	// Limits bound every layer walk.
	Limits image.Limits
	// ImageOptions are passed to image.Open (platform, insecure, ...).
	ImageOptions []image.Option
	// Progress receives progress lines; nil is silent.
	Progress io.Writer
	// Now is the time for end-of-life and expiry decisions; zero means time.Now().
	Now         time.Time
	ToolVersion string
	// DB configures vulnerability matching.
	DB DBConfig
	// Secret configures the secret scanner.
	Secret secret.Config
	// SecretsInPackages reports secrets in files that installed packages
	// own, at LOW severity; by default they are skipped and counted.
	SecretsInPackages bool
	// SkipDirs are directory globs a filesystem scan leaves out; a
	// pattern without a slash matches at any depth.
	SkipDirs []string
	// NoGitignore makes a filesystem scan read what .gitignore ignores too.
	NoGitignore bool
}

func (c *Config) enabled(name string) bool {
	if c.Scanners == nil {
		return true
	}
	for _, s := range c.Scanners {
		if s == name {
			return true
		}
	}
	return false
}

func (c *Config) now() time.Time {
	if c.Now.IsZero() {
		return time.Now()
	}
	return c.Now
}

// ParseScanners reads a --scanners value such as "vuln,secret".
func ParseScanners(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		switch name {
		case ScanVuln, ScanSecret, ScanMisconfig:
			out = append(out, name)
		case "vulnerability", "vulnerabilities":
			out = append(out, ScanVuln)
		case "secrets":
			out = append(out, ScanSecret)
		case "misconfiguration", "config":
			out = append(out, ScanMisconfig)
		default:
			return nil, fmt.Errorf("unknown scanner %q (want %s)", name, strings.Join(AllScanners, ", "))
		}
	}
	return out, nil
}

// scanOptions returns the scan options of an image job: extractors of
// installed software only (lockfiles in an image are build leftovers).
func (c *Config) scanOptions() scan.Options {
	return scan.Options{
		Extractors:   list.Installed(),
		Limits:       c.Limits,
		CacheDir:     c.CacheDir,
		NoCache:      c.NoCache,
		Progress:     c.Progress,
		ToolVersion:  c.ToolVersion,
		PackageFiles: c.packageFiles(),
	}
}

func (c *Config) packageFiles() scan.PackageFiles {
	if c.SecretsInPackages {
		return scan.PackageFilesReport
	}
	return scan.PackageFilesSkip
}

func (c *Config) openImage(ctx context.Context, ref string) (*image.Image, error) {
	opts := append([]image.Option{}, c.ImageOptions...)
	if c.CacheDir != "" && !c.NoCache {
		opts = append(opts, image.WithCacheDir(c.CacheDir))
	}
	if c.Limits != (image.Limits{}) {
		opts = append(opts, image.WithLimits(c.Limits))
	}
	if c.Progress != nil {
		opts = append(opts, image.WithProgress(c.Progress))
	}
	return image.Open(ctx, ref, opts...)
}

// SBOM opens ref and returns its package inventory: the target, its layers,
// its OS and every package, with no vulnerability or secret scanning.
func SBOM(ctx context.Context, ref string, cfg Config) (*report.Report, error) {
	img, err := cfg.openImage(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	opts := cfg.scanOptions()
	if strings.HasPrefix(ref, "dir:") {
		// A folder may be a source tree: list its lockfile packages too,
		// as `scan fs` does and as Syft does for a directory.
		opts.Extractors = list.Extractors()
		opts.NoCache = true
	}
	r, err := scan.Image(ctx, img, opts)
	if err != nil {
		return nil, err
	}
	if err := redactHistory(r, nil); err != nil {
		return nil, err
	}
	return r, nil
}
