package pipeline

import (
	"context"
	"fmt"
	"strconv"

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
		if sec, err = secret.New(cfg.Secret); err != nil {
			return nil, fmt.Errorf("secret rules: %w", err)
		}
		opts.FileAnalyzers = append(opts.FileAnalyzers, sec)
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
	if cfg.enabled(ScanMisconfig) {
		r.Findings = append(r.Findings, imagecheck.Check(imagecheck.FromScan(ref, img, res, cfg.now()))...)
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

func recordSecretScanner(sec *secret.Scanner, r *report.Report) {
	st := sec.Stats()
	r.SetScanner(report.ScannerStatus{Name: "secret", State: report.StateDone, Counts: map[string]int{
		"files_scanned":   int(st.FilesScanned),
		"skipped_binary":  int(st.SkippedBinary),
		"skipped_size":    int(st.SkippedSize),
		"skipped_allowed": int(st.SkippedAllowed),
	}})
	for _, w := range sec.Warnings() {
		r.Warn("secret rules: " + w)
	}
}
