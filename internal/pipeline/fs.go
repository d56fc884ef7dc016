package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/gitignore"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/list"
	"github.com/bulkhead-sec/bulkhead/internal/lint/compose"
	"github.com/bulkhead-sec/bulkhead/internal/lint/dockerfile"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/scan"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
)

// maxLintBytes bounds a Dockerfile or compose file read for linting.
const maxLintBytes = 1 << 20

// ScanFS runs the filesystem job on a source tree or root filesystem:
// packages from lockfiles and package databases, their vulnerabilities,
// every Dockerfile and compose file linted, and secrets.
func ScanFS(ctx context.Context, root string, cfg Config) (*report.Report, error) {
	opts := cfg.scanOptions()
	opts.Extractors = list.Extractors()
	opts.NoCache = true // a source tree has no layer digest to key a cache on
	opts.Skip = fsSkip(root, cfg)
	var sec *secret.Scanner
	if cfg.enabled(ScanSecret) {
		var an scan.FileAnalyzer
		var err error
		if sec, an, err = newSecretAnalyzer(cfg.Secret); err != nil {
			return nil, err
		}
		opts.FileAnalyzers = append(opts.FileAnalyzers, an)
	}
	if cfg.enabled(ScanMisconfig) {
		opts.FileAnalyzers = append(opts.FileAnalyzers, &lintAnalyzer{now: cfg.now()})
	}
	r, err := scan.Dir(ctx, root, opts)
	if err != nil {
		return nil, err
	}
	if sec != nil {
		recordSecretScanner(sec, r)
	}
	if cfg.enabled(ScanMisconfig) {
		r.SetScanner(report.ScannerStatus{Name: "misconfig", State: report.StateDone})
	}
	if cfg.enabled(ScanVuln) {
		matchVulnerabilities(ctx, r, cfg)
	}
	return r, nil
}

// lintAnalyzer lints Dockerfiles and compose files met by the walk.
type lintAnalyzer struct {
	now time.Time
}

func (*lintAnalyzer) Name() string { return "lint" }
func (*lintAnalyzer) Version() int { return 2 }

// Required takes Dockerfiles by name and every YAML file: a compose file
// may have any name (stack.yml), so LintFile decides by content.
func (*lintAnalyzer) Required(p string, mode fs.FileMode, size int64) bool {
	return mode.IsRegular() && size <= maxLintBytes && (dockerfile.IsDockerfile(p) || compose.IsComposeFile(p) || isYAML(p))
}

func isYAML(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".yml" || ext == ".yaml"
}

func (a *lintAnalyzer) Analyze(ctx context.Context, in *inventory.Input) ([]finding.Finding, error) {
	src, err := io.ReadAll(io.LimitReader(in.Reader, maxLintBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", in.Path, err)
	}
	if len(src) > maxLintBytes {
		return nil, fmt.Errorf("lint %s: larger than %d bytes", in.Path, maxLintBytes)
	}
	return LintFile(in.Path, src, a.options())
}

func (a *lintAnalyzer) options() LintOptions {
	return LintOptions{Dockerfile: dockerfile.Options{Now: a.now}}
}

// LintOptions configure LintFile.
type LintOptions struct {
	Dockerfile dockerfile.Options
	Compose    compose.Options
}

// LintFile lints one Dockerfile or compose file: a compose file by its name
// or, for any other YAML file, by its content (a mapping with services); a
// YAML file that is no compose file gives nothing; any other name is
// linted as a Dockerfile.
func LintFile(name string, src []byte, opts LintOptions) ([]finding.Finding, error) {
	switch {
	case compose.IsComposeFile(name):
		return compose.Lint(name, src, opts.Compose)
	case isYAML(name):
		// The byte test spares the YAML decode of files that cannot be one.
		if bytes.Contains(src, []byte("services")) && compose.LooksLikeCompose(src) {
			return compose.Lint(name, src, opts.Compose)
		}
		return nil, nil
	}
	return dockerfile.Lint(name, src, opts.Dockerfile)
}

// fsSkip leaves out what the tree's .gitignore files ignore (unless
// cfg.NoGitignore) and the directories cfg.SkipDirs names (globs relative
// to root, such as "testdata" or "web/**/fixtures").
func fsSkip(root string, cfg Config) func(rel string, isDir bool) bool {
	var tree *gitignore.Tree
	if !cfg.NoGitignore {
		tree = gitignore.NewTree(root, func(name string) (io.ReadCloser, error) { return os.Open(name) })
	}
	skipDirs := gitignore.New()
	if len(cfg.SkipDirs) > 0 {
		skipDirs.Add("", strings.NewReader(strings.Join(cfg.SkipDirs, "\n")))
	}
	return func(rel string, isDir bool) bool {
		if isDir && len(cfg.SkipDirs) > 0 && skipDirs.Ignored(rel, true) {
			return true
		}
		return tree != nil && tree.Skip(rel, isDir)
	}
}
