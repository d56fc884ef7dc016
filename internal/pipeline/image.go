package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/image"
	"github.com/bulkhead-sec/bulkhead/internal/imagecheck"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/scan"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
)

// ScanImage opens ref and runs the image job: the package inventory, then
// the enabled scanners (vulnerabilities, secrets in every layer and in the
// config, image checks).
func ScanImage(ctx context.Context, ref string, cfg Config) (*report.Report, error) {
	img, err := cfg.openImage(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer img.Close()

	opts := cfg.scanOptions()
	var sec *secret.Scanner
	if cfg.enabled(ScanSecret) {
		var an scan.FileAnalyzer
		if sec, an, err = newSecretAnalyzer(cfg.Secret); err != nil {
			return nil, err
		}
		opts.FileAnalyzers = append(opts.FileAnalyzers, an)
	}
	opts.CollectFiles = cfg.enabled(ScanMisconfig)
	res, err := scan.ScanImage(ctx, img, opts)
	if err != nil {
		return nil, err
	}
	r := res.Report
	if sec != nil {
		scanConfigSecrets(sec, img, r)
		recordSecretScanner(sec, r)
	}
	if err := redactHistory(r, sec); err != nil {
		return nil, err
	}
	if cfg.enabled(ScanMisconfig) {
		in := imagecheck.FromScan(ref, img, res, cfg.now())
		in.ReportedEnv, in.ReportedFiles = reportedEnv(r), reportedFiles(r)
		r.Findings = append(r.Findings, imagecheck.Check(in)...)
		r.SetScanner(report.ScannerStatus{Name: "misconfig", State: report.StateDone})
	}
	if cfg.enabled(ScanVuln) {
		matchVulnerabilities(ctx, r, cfg)
	}
	return r, nil
}

// scanConfigSecrets scans what the image config carries besides files: the
// environment, the labels and every history line (build args show there).
func scanConfigSecrets(sec *secret.Scanner, img *image.Image, r *report.Report) {
	cf := img.ConfigFile
	if cf == nil {
		return
	}
	for i, e := range cf.Config.Env {
		r.Findings = append(r.Findings, sec.ScanText("config.Env["+strconv.Itoa(i)+"]", e)...)
	}
	for k, v := range cf.Config.Labels {
		r.Findings = append(r.Findings, sec.ScanText("config.Labels["+k+"]", k+"="+v)...)
	}
	for i, h := range cf.History {
		r.Findings = append(r.Findings, sec.ScanText("history["+strconv.Itoa(i)+"]", h.CreatedBy)...)
	}
}

// reportedEnv returns the indexes of the config's Env entries that hold a
// secret finding, so that the image checks do not report them again.
func reportedEnv(r *report.Report) map[int]bool {
	out := map[int]bool{}
	for _, f := range r.Findings {
		if f.Kind != finding.Secret {
			continue
		}
		rest, ok := strings.CutPrefix(f.Location.Path, "config.Env[")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSuffix(rest, "]")); err == nil {
			out[n] = true
		}
	}
	return out
}

// reportedFiles returns the final-filesystem paths in which the secret
// scanner reported a secret, so that the image checks do not list them
// again as credential files.
func reportedFiles(r *report.Report) map[string]bool {
	out := map[string]bool{}
	for _, f := range r.Findings {
		if f.Kind != finding.Secret || f.Location.RemovedIn != "" || f.Location.Path == "" ||
			strings.HasPrefix(f.Location.Path, "config.") || strings.HasPrefix(f.Location.Path, "history") {
			continue
		}
		out[path.Clean(strings.TrimPrefix(f.Location.Path, "/"))] = true
	}
	return out
}

// recordSecretScanner records what the secret scanner did in this run.
// Layers whose results came from the per-layer cache were not read again,
// so their files are not in the counts; the reason says so.
func recordSecretScanner(sec *secret.Scanner, r *report.Report) {
	st := sec.Stats()
	status := report.ScannerStatus{Name: "secret", State: report.StateDone, Counts: map[string]int{
		"files_scanned":   int(st.FilesScanned),
		"skipped_binary":  int(st.SkippedBinary),
		"skipped_size":    int(st.SkippedSize),
		"skipped_allowed": int(st.SkippedAllowed),
	}}
	var notes []string
	for _, s := range r.Scanners {
		if s.Name == "packages" && s.Counts["layers_cached"] > 0 {
			notes = append(notes, fmt.Sprintf("%d of %d layers from the per-layer cache: their files are not in these counts",
				s.Counts["layers_cached"], s.Counts["layers"]))
		}
		// The merge counted the findings in files that packages own.
		if s.Name == "secret" {
			for _, k := range []string{scan.CountPackageFilesSkipped, scan.CountPackageFindingsSkipped} {
				status.Counts[k] = s.Counts[k]
			}
			if s.Reason != "" {
				notes = append([]string{s.Reason}, notes...)
			}
		}
	}
	status.Reason = strings.Join(notes, "; ")
	r.SetScanner(status)
	for _, w := range sec.Warnings() {
		r.Warn("secret rules: " + w)
	}
}

// secretAnalyzer is the secret scanner with a cache key that changes with
// the user's rule configuration, so that cached layers are rescanned when
// the rules change.
type secretAnalyzer struct {
	*secret.Scanner
	key string
}

func (a secretAnalyzer) CacheKey() string { return a.key }

// newSecretAnalyzer builds the secret scanner from cfg and the analyzer that
// the layer walk runs.
func newSecretAnalyzer(cfg secret.Config) (*secret.Scanner, scan.FileAnalyzer, error) {
	sec, err := secret.New(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("secret rules: %w", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "disable=%s\nmax=%d\n", strings.Join(cfg.Disable, ","), cfg.MaxFileSize)
	if cfg.CustomRulesPath != "" {
		b, err := os.ReadFile(cfg.CustomRulesPath)
		if err != nil {
			return nil, nil, fmt.Errorf("secret rules: %w", err)
		}
		h.Write(b)
	}
	return sec, secretAnalyzer{Scanner: sec, key: hex.EncodeToString(h.Sum(nil))[:16]}, nil
}

// redactHistory replaces every history line of the target's layers (build
// arguments are kept in the history) and every label that holds a secret by
// its redacted form, whether or not secret findings were asked for: a report never
// prints a secret in full. sec may be nil; the built-in rules then do.
func redactHistory(r *report.Report, sec *secret.Scanner) error {
	if sec == nil {
		var err error
		if sec, err = secret.New(secret.Config{}); err != nil {
			return fmt.Errorf("secret rules: %w", err)
		}
	}
	for i := range r.Target.Layers {
		l := &r.Target.Layers[i]
		if l.CreatedBy == "" {
			continue
		}
		if found := sec.ScanText("history", l.CreatedBy); len(found) > 0 {
			l.CreatedBy = found[0].Evidence
		}
	}
	for k, v := range r.Target.Labels {
		if found := sec.ScanText("label", k+"="+v); len(found) > 0 {
			r.Target.Labels[k] = strings.TrimPrefix(found[0].Evidence, k+"=")
		}
	}
	return nil
}
