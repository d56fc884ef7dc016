package server

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/match"
	"github.com/bulkhead-sec/bulkhead/internal/sbomread"
	"github.com/bulkhead-sec/bulkhead/internal/server/api"
	"github.com/bulkhead-sec/bulkhead/internal/store"
	"github.com/bulkhead-sec/bulkhead/internal/vulndb"
)

// Matcher matches stored SBOMs against the vulnerability database (the same
// internal/match code `bulkhead scan sbom` runs) and stores the findings and
// what changed. The database file is reopened when `db update` swaps it.
type Matcher struct {
	Store  *store.Store
	DBPath string
	// Notify, when set, is told of new KEV or CRITICAL findings in images
	// that run on some host.
	Notify *Notifier

	mu     sync.RWMutex
	db     *vulndb.DB
	dbInfo os.FileInfo
}

// current returns the open database, reopening it when the file changed.
// The caller holds m.mu.RLock until done with it.
func (m *Matcher) current() (*vulndb.DB, error) {
	fi, err := os.Stat(m.DBPath)
	if err != nil {
		return nil, fmt.Errorf("vulnerability database: %w (run `bulkhead db update` or `bulkhead db import`)", err)
	}
	m.mu.RLock()
	if m.db != nil && os.SameFile(fi, m.dbInfo) && fi.ModTime().Equal(m.dbInfo.ModTime()) {
		return m.db, nil
	}
	m.mu.RUnlock()
	m.mu.Lock()
	if m.db == nil || !os.SameFile(fi, m.dbInfo) || !fi.ModTime().Equal(m.dbInfo.ModTime()) {
		db, err := vulndb.Open(m.DBPath)
		if err != nil {
			m.mu.Unlock()
			return nil, err
		}
		if m.db != nil {
			m.db.Close()
		}
		m.db, m.dbInfo = db, fi
	}
	m.mu.Unlock()
	m.mu.RLock()
	return m.db, nil
}

// Built returns the build time of the database the matcher uses now.
func (m *Matcher) Built() (time.Time, error) {
	db, err := m.current()
	if err != nil {
		return time.Time{}, err
	}
	defer m.mu.RUnlock()
	return db.Metadata().Built, nil
}

// Close closes the database.
func (m *Matcher) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.db != nil {
		err := m.db.Close()
		m.db = nil
		return err
	}
	return nil
}

// MatchImage matches one stored image and returns what changed.
func (m *Matcher) MatchImage(ctx context.Context, digest string) ([]store.Change, error) {
	sb, err := m.Store.ImageSBOM(ctx, digest)
	if err != nil {
		return nil, err
	}
	rep, err := sbomread.DecodeLimit(bytes.NewReader(sb), api.MaxSBOMBody)
	if err != nil {
		return nil, fmt.Errorf("stored SBOM of %s: %w", digest, err)
	}
	db, err := m.current()
	if err != nil {
		return nil, err
	}
	fs, _, err := match.Packages(ctx, db, rep.Target.OS, rep.Packages)
	built := db.Metadata().Built
	m.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("match %s: %w", digest, err)
	}
	var before []store.Finding
	if m.Notify != nil {
		if before, err = m.Store.Findings(ctx, digest); err != nil {
			return nil, err
		}
	}
	out := make([]store.Finding, 0, len(fs))
	for _, f := range fs {
		sf := store.Finding{VulnID: f.ID, Severity: f.Severity.String(), Title: f.Title, Aliases: f.Aliases, KEV: f.KEV != nil}
		if f.Package != nil {
			sf.PackageName, sf.PackageVersion, sf.PackageType, sf.FixedVersion = f.Package.Name, f.Package.Version, f.Package.Type, f.Package.FixedVersion
		}
		out = append(out, sf)
	}
	changes, err := m.Store.ReplaceFindings(ctx, digest, out, built)
	if err != nil || m.Notify == nil {
		return changes, err
	}
	hosts, refs, err := m.Store.RunningHosts(ctx, digest)
	if err != nil {
		return changes, err
	}
	m.Notify.Findings(digest, refs, hosts, before, out)
	return changes, nil
}
