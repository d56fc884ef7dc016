package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/match"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

// DBConfig says where the vulnerability database is and how old it may be.
type DBConfig struct {
	// Path is the database file; empty means vulndb.DefaultPath().
	Path string
	// MaxAge is the age past which the database is stale (default 7 days).
	MaxAge time.Duration
	// StaleIsError fails the vulnerability scanner instead of warning.
	StaleIsError bool
}

const scannerVuln = "vulnerability"

// matchVulnerabilities adds vulnerability findings to r. A missing or
// unusable database never fails the job: the other scanners' results stand,
// and the report marks the vulnerability scanner as not done, with the
// command that fixes it.
func matchVulnerabilities(ctx context.Context, r *report.Report, cfg Config) {
	path := cfg.DB.Path
	if path == "" {
		p, err := vulndb.DefaultPath()
		if err != nil {
			skipVuln(r, report.StateFailed, err.Error())
			return
		}
		path = p
	}
	db, err := vulndb.Open(path)
	if err != nil {
		if errors.Is(err, vulndb.ErrNoDatabase) {
			skipVuln(r, report.StateSkipped, err.Error())
			return
		}
		skipVuln(r, report.StateFailed, err.Error())
		return
	}
	defer db.Close()
	maxAge := cfg.DB.MaxAge
	if maxAge == 0 {
		maxAge = 7 * 24 * time.Hour
	}
	if err := db.CheckStale(maxAge, cfg.now()); err != nil {
		if cfg.DB.StaleIsError {
			skipVuln(r, report.StateFailed, err.Error())
			return
		}
		r.Warn(err.Error())
	}
	found, st, err := match.Packages(ctx, db, r.Target.OS, r.Packages)
	if err != nil {
		skipVuln(r, report.StateFailed, err.Error())
		return
	}
	r.Findings = append(r.Findings, found...)
	counts := map[string]int{"packages": st.Packages, "unsupported": st.Unsupported,
		"not_evaluated": st.NotEvaluated, "invalid_versions": st.InvalidVersions}
	r.SetScanner(report.ScannerStatus{Name: scannerVuln, State: report.StateDone, Counts: counts})
	if st.NotEvaluated > 0 {
		r.Warn(fmt.Sprintf("%d advisories give only GIT ranges and were not evaluated", st.NotEvaluated))
	}
}

// skipVuln marks the vulnerability scanner as not done, with the reason;
// every format shows it (the table as "NOT SCANNED"), so an empty result is
// never silent.
func skipVuln(r *report.Report, state, reason string) {
	r.SetScanner(report.ScannerStatus{Name: scannerVuln, State: state, Reason: reason})
}
