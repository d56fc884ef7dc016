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
	// MaxAge is the data age past which the database is stale (default 7
	// days): the age of its newest record, per source.
	MaxAge time.Duration
	// StaleIsError fails the vulnerability scanner instead of warning.
	StaleIsError bool
	// Skip turns the vulnerability scanner off on purpose (--skip-db): it
	// is reported as skipped, which is not a failure.
	Skip bool
	// Fetch, when set, is called when there is no database at Path (a
	// first run): it should fetch one there. Its error is the cause
	// reported when it fails (offline, say).
	Fetch func(ctx context.Context, path string) error
	// Fallback, when set, provides a database to use when there is none
	// and Fetch failed or is unset: the example database built into the
	// binary. Label names it in the report; matching against it still
	// fails the scanner (a real image needs a real database), but the
	// findings it gives are shown.
	Fallback func(ctx context.Context) (path, label string, cleanup func(), err error)
	// Example, when set, is the database the user named on purpose
	// (`--db example`): used instead of Path, labelled in the report, and
	// not judged stale. Unlike Fallback, choosing it is not a failure.
	Example func(ctx context.Context) (path, label string, cleanup func(), err error)
}

const scannerVuln = "vulnerability"

// matchVulnerabilities adds vulnerability findings to r. When the scanner
// was asked for and cannot run (no database, an unreadable one, stale data
// with StaleIsError), it is marked failed with the cause: the command then
// fails (exit 1) in every format, unless the user turned the scanner off
// with DBConfig.Skip. The other scanners' results stand.
func matchVulnerabilities(ctx context.Context, r *report.Report, cfg Config) {
	if cfg.DB.Skip {
		skipVuln(r, report.StateSkipped, "turned off with --skip-db")
		return
	}
	if cfg.DB.Example != nil {
		fp, label, cleanup, err := cfg.DB.Example(ctx)
		if err != nil {
			skipVuln(r, report.StateFailed, "the example database: "+err.Error())
			return
		}
		defer cleanup()
		db, err := vulndb.Open(fp)
		if err != nil {
			skipVuln(r, report.StateFailed, "the example database: "+err.Error())
			return
		}
		defer db.Close()
		r.Warn("matched against " + label + " (--db example), which covers the README's example only; run `bulkhead db update` for real data")
		runMatch(ctx, r, db, label)
		return
	}
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
	if errors.Is(err, vulndb.ErrNoDatabase) && cfg.DB.Fetch != nil {
		if ferr := cfg.DB.Fetch(ctx, path); ferr != nil {
			err = fmt.Errorf("%w; fetching one failed: %v", err, ferr)
		} else {
			db, err = vulndb.Open(path)
		}
	}
	fallback := ""
	if errors.Is(err, vulndb.ErrNoDatabase) && cfg.DB.Fallback != nil {
		fp, label, cleanup, ferr := cfg.DB.Fallback(ctx)
		if ferr == nil {
			defer cleanup()
			if fdb, oerr := vulndb.Open(fp); oerr == nil {
				db, fallback = fdb, label
				err = nil
				r.Warn(fmt.Sprintf("no vulnerability database at %s: matched against %s", path, label))
			}
		}
	}
	if err != nil {
		skipVuln(r, report.StateFailed, err.Error())
		return
	}
	defer db.Close()
	maxAge := cfg.DB.MaxAge
	if maxAge == 0 {
		maxAge = 7 * 24 * time.Hour
	}
	if fallback == "" {
		if err := db.CheckStale(maxAge, cfg.now()); err != nil {
			if cfg.DB.StaleIsError {
				skipVuln(r, report.StateFailed, err.Error())
				return
			}
			r.Warn(err.Error())
		}
	}
	status, ok := runMatch(ctx, r, db, fallback)
	if ok && fallback != "" {
		// Findings from the example data are real, but a clean result
		// against it means nothing: the gate must not pass on it.
		status.State = report.StateFailed
		status.Reason = "no vulnerability database: matched against " + fallback + ", which covers the README's example only; run `bulkhead db update` (or `bulkhead db import DIR` offline), or name it with --db example"
		r.SetScanner(status)
	}
	if ok && !db.HasSource(vulndb.SourceNVD) && fallback == "" {
		r.Warn("the vulnerability database has no NVD data: advisories without a severity of their own stay UNKNOWN; run `bulkhead db update` (NVD is one of its sources)")
	}
}

// runMatch matches r's packages against db, adds the findings and records
// the scanner as done with the database it used (label names a built-in
// one). ok is false when matching failed (the scanner is then failed).
func runMatch(ctx context.Context, r *report.Report, db *vulndb.DB, label string) (report.ScannerStatus, bool) {
	found, st, err := match.Packages(ctx, db, r.Target.OS, r.Packages)
	if err != nil {
		skipVuln(r, report.StateFailed, err.Error())
		return report.ScannerStatus{}, false
	}
	r.Findings = append(r.Findings, found...)
	counts := map[string]int{"packages": st.Packages, "unsupported": st.Unsupported,
		"not_evaluated": st.NotEvaluated, "invalid_versions": st.InvalidVersions}
	status := report.ScannerStatus{Name: scannerVuln, State: report.StateDone, Counts: counts, Database: databaseInfo(db, label)}
	r.SetScanner(status)
	if st.NotEvaluated > 0 {
		r.Warn(fmt.Sprintf("%d advisories give only GIT ranges and were not evaluated", st.NotEvaluated))
	}
	return status, true
}

// databaseInfo says which database a scan used, for the report.
func databaseInfo(db *vulndb.DB, label string) *report.DatabaseInfo {
	m := db.Metadata()
	info := &report.DatabaseInfo{Path: db.Path(), Label: label, Built: m.Built}
	for _, a := range db.DataAge(time.Now()) {
		info.Sources = append(info.Sources, report.DatabaseSource{Name: a.Source, Records: a.Records, Fetched: a.Fetched, Newest: a.Newest})
	}
	return info
}

// skipVuln marks the vulnerability scanner as not done, with the reason;
// every format shows it (the table as "NOT SCANNED" or "FAILED"), so an
// empty result is never silent.
func skipVuln(r *report.Report, state, reason string) {
	r.SetScanner(report.ScannerStatus{Name: scannerVuln, State: state, Reason: reason})
}
