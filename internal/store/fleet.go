package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Host is one Docker host that an agent reports for.
type Host struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	AgentVersion string    `json:"agent_version,omitempty"`
	FirstSeen    time.Time `json:"first_seen"`
	LastSeen     time.Time `json:"last_seen"`
	Containers   int       `json:"containers"`
	AuditFailed  int       `json:"audit_failed"`
	AuditPassed  int       `json:"audit_passed"`
}

// Container is one container on a host, as the agent last saw it.
type Container struct {
	HostID      string    `json:"host_id"`
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	ImageRef    string    `json:"image_ref"`
	ImageDigest string    `json:"image_digest"`
	State       string    `json:"state"`
	Ports       []string  `json:"ports"`
	Networks    []string  `json:"networks"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Image is one image, known by its digest (the config digest, the image id
// Docker shows), with the SBOM an agent computed.
type Image struct {
	Digest    string    `json:"digest"`
	Refs      []string  `json:"refs"`
	OS        string    `json:"os,omitempty"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	MatchedAt time.Time `json:"matched_at,omitzero"`
	// Counts by severity of the image's findings, filled by ListImages.
	Findings map[string]int `json:"findings,omitempty"`
}

// Package is one entry of an image's package index.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Type    string `json:"type"`
	PURL    string `json:"purl,omitempty"`
}

// Finding is one vulnerability of one package of an image.
type Finding struct {
	VulnID         string   `json:"vuln_id"`
	PackageName    string   `json:"package_name"`
	PackageVersion string   `json:"package_version"`
	PackageType    string   `json:"package_type,omitempty"`
	Severity       string   `json:"severity"`
	FixedVersion   string   `json:"fixed_version,omitempty"`
	Title          string   `json:"title,omitempty"`
	Aliases        []string `json:"aliases,omitempty"`
	// KEV: a CVE of the finding is in CISA's Known Exploited
	// Vulnerabilities catalog.
	KEV       bool      `json:"kev,omitempty"`
	FirstSeen time.Time `json:"first_seen"`
}

func (f *Finding) key() string {
	return f.VulnID + "\x00" + f.PackageName + "\x00" + f.PackageVersion
}

// Change kinds.
const (
	ChangeNew      = "new"
	ChangeFixed    = "fixed"
	ChangeSeverity = "severity"
)

// Change is one difference a match made to an image's findings.
type Change struct {
	At             time.Time `json:"at"`
	ImageDigest    string    `json:"image_digest"`
	VulnID         string    `json:"vuln_id"`
	PackageName    string    `json:"package_name"`
	PackageVersion string    `json:"package_version"`
	Change         string    `json:"change"`
	OldSeverity    string    `json:"old_severity,omitempty"`
	Severity       string    `json:"severity,omitempty"`
}

// AuditResult is one CIS check's outcome on one host.
type AuditResult struct {
	HostID   string    `json:"host_id,omitempty"`
	CheckID  string    `json:"check_id"`
	Status   string    `json:"status"`
	Severity string    `json:"severity,omitempty"`
	Title    string    `json:"title,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	At       time.Time `json:"at"`
}

// Alert is one runtime alert. ID is chosen by the agent, so that a resend
// is recognised.
type Alert struct {
	HostID      string            `json:"host_id,omitempty"`
	ID          string            `json:"id"`
	At          time.Time         `json:"at"`
	Rule        string            `json:"rule"`
	Priority    string            `json:"priority"`
	ContainerID string            `json:"container_id,omitempty"`
	Output      string            `json:"output,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
}

// Priorities are Falco's, most urgent first; PriorityRank orders them.
var priorities = []string{"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFORMATIONAL", "DEBUG"}

// PriorityRank returns 7 for EMERGENCY down to 0 for DEBUG, or -1 for an
// unknown priority. "INFO" is read as INFORMATIONAL.
func PriorityRank(p string) int {
	p = strings.ToUpper(p)
	if p == "INFO" {
		p = "INFORMATIONAL"
	}
	for i, q := range priorities {
		if p == q {
			return len(priorities) - 1 - i
		}
	}
	return -1
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

func fromMS(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// TouchHost records that hostID reported now, creating it when new.
func (s *Store) TouchHost(ctx context.Context, h Host) error {
	if !textOK(h.ID, h.Name, h.AgentVersion) {
		return ErrInvalidText
	}
	now := s.ms()
	_, err := s.db.ExecContext(ctx, `INSERT INTO hosts (id, name, agent_version, first_seen, last_seen)
		VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (id) DO UPDATE SET
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE hosts.name END,
			agent_version = CASE WHEN excluded.agent_version <> '' THEN excluded.agent_version ELSE hosts.agent_version END,
			last_seen = excluded.last_seen`, h.ID, h.Name, h.AgentVersion, now)
	return err
}

// ReplaceContainers makes cs the host's containers: those absent from cs
// are removed. The host must exist.
func (s *Store) ReplaceContainers(ctx context.Context, hostID string, cs []Container) error {
	for _, c := range cs {
		if !textOK(append(append([]string{hostID, c.ID, c.Name, c.ImageRef, c.ImageDigest, c.State}, c.Ports...), c.Networks...)...) {
			return ErrInvalidText
		}
	}
	now := s.ms()
	seen := map[string]bool{}
	var rows [][]any
	for _, c := range cs {
		if seen[c.ID] {
			continue
		}
		seen[c.ID] = true
		rows = append(rows, []any{hostID, c.ID, c.Name, c.ImageRef, c.ImageDigest, c.State,
			jsonText(nonNil(c.Ports)), jsonText(nonNil(c.Networks)), now})
	}
	return s.replaceHostRows(ctx, "containers", hostID,
		`INSERT INTO containers (host_id, id, name, image_ref, image_digest, state, ports, networks, updated_at)`, 9, rows)
}

// replaceHostRows replaces every row of table (a constant of this package)
// that belongs to hostID with rows, in one transaction.
func (s *Store) replaceHostRows(ctx context.Context, table, hostID, insert string, cols int, rows [][]any) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE host_id = $1`, hostID); err != nil {
			return err
		}
		return s.insertRows(ctx, tx, insert, cols, rows, "")
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PutImage stores an image's SBOM and package index. It returns true when
// the SBOM is new or differs from the stored one (the image needs a match);
// a resend of the same SBOM only merges the refs.
func (s *Store) PutImage(ctx context.Context, img Image, sbom []byte, pkgs []Package) (changed bool, err error) {
	if !textOK(append([]string{img.Digest, img.OS, string(sbom)}, img.Refs...)...) {
		return false, ErrInvalidText
	}
	for _, p := range pkgs {
		if !textOK(p.Name, p.Version, p.Type, p.PURL) {
			return false, ErrInvalidText
		}
	}
	sum := sha256.Sum256(sbom)
	hash := hex.EncodeToString(sum[:])
	now := s.ms()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var oldHash, oldRefs string
		err := tx.QueryRowContext(ctx, `SELECT sbom_sha256, refs FROM images WHERE digest = $1`, img.Digest).Scan(&oldHash, &oldRefs)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			changed = true
			_, err = tx.ExecContext(ctx, `INSERT INTO images (digest, refs, os, sbom, sbom_sha256, first_seen, last_seen)
				VALUES ($1, $2, $3, $4, $5, $6, $6)`, img.Digest, jsonText(mergeRefs(nil, img.Refs)), img.OS, string(sbom), hash, now)
			if err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			var refs []string
			_ = json.Unmarshal([]byte(oldRefs), &refs)
			changed = oldHash != hash
			if changed {
				_, err = tx.ExecContext(ctx, `UPDATE images SET refs = $2, os = $3, sbom = $4, sbom_sha256 = $5, last_seen = $6 WHERE digest = $1`,
					img.Digest, jsonText(mergeRefs(refs, img.Refs)), img.OS, string(sbom), hash, now)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE images SET refs = $2, last_seen = $3 WHERE digest = $1`,
					img.Digest, jsonText(mergeRefs(refs, img.Refs)), now)
			}
			if err != nil || !changed {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM packages WHERE image_digest = $1`, img.Digest); err != nil {
				return err
			}
		}
		rows := make([][]any, len(pkgs))
		for i, p := range pkgs {
			rows[i] = []any{img.Digest, i, p.Name, strings.ToLower(p.Name), p.Version, p.Type, p.PURL}
		}
		return s.insertRows(ctx, tx, `INSERT INTO packages (image_digest, seq, name, name_lower, version, type, purl)`, 7, rows, "")
	})
	return changed, err
}

// maxRefs bounds the refs kept per image.
const maxRefs = 64

func mergeRefs(old, add []string) []string {
	set := map[string]bool{}
	out := []string{}
	for _, r := range append(append([]string{}, old...), add...) {
		if r != "" && !set[r] && len(out) < maxRefs {
			set[r] = true
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// ImageSBOM returns the SBOM stored for digest.
func (s *Store) ImageSBOM(ctx context.Context, digest string) ([]byte, error) {
	if !textOK(digest) {
		return nil, fmt.Errorf("image %q: %w", digest, ErrNotFound)
	}
	var sb string
	err := s.db.QueryRowContext(ctx, `SELECT sbom FROM images WHERE digest = $1`, digest).Scan(&sb)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("image %q: %w", digest, ErrNotFound)
	}
	return []byte(sb), err
}

// ImageDigests returns every stored image digest, sorted.
func (s *Store) ImageDigests(ctx context.Context) ([]string, error) {
	return s.queryStrings(ctx, `SELECT digest FROM images ORDER BY digest`)
}

// queryStrings runs a query of one text column and returns its values.
func (s *Store) queryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ImagesMatchedBefore returns the images never matched or matched against a
// vulnerability database built before built: those a rematch must visit.
func (s *Store) ImagesMatchedBefore(ctx context.Context, built time.Time) ([]string, error) {
	return s.queryStrings(ctx, `SELECT digest FROM images WHERE matched_at = 0 OR db_built < $1 ORDER BY digest`, built.UnixMilli())
}

// Packages returns an image's package index in SBOM order.
func (s *Store) Packages(ctx context.Context, digest string) ([]Package, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, version, type, purl FROM packages WHERE image_digest = $1 ORDER BY seq`, digest)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Package
	for rows.Next() {
		var p Package
		if err := rows.Scan(&p.Name, &p.Version, &p.Type, &p.PURL); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ReplaceFindings makes fs the image's findings, records what changed
// against the previous set (new, fixed, severity) and returns the changes.
// The first match of an image records no changes: nothing was known before.
func (s *Store) ReplaceFindings(ctx context.Context, digest string, fs []Finding, dbBuilt time.Time) ([]Change, error) {
	for _, f := range fs {
		if !textOK(append([]string{digest, f.VulnID, f.PackageName, f.PackageVersion, f.PackageType, f.Severity, f.FixedVersion, f.Title}, f.Aliases...)...) {
			return nil, ErrInvalidText
		}
	}
	now := s.ms()
	var changes []Change
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var matchedAt int64
		if err := tx.QueryRowContext(ctx, `SELECT matched_at FROM images WHERE digest = $1`, digest).Scan(&matchedAt); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("image %q: %w", digest, ErrNotFound)
			}
			return err
		}
		old, err := findingsTx(ctx, tx, digest)
		if err != nil {
			return err
		}
		prev := map[string]Finding{}
		for _, f := range old {
			prev[f.key()] = f
		}
		next := map[string]bool{}
		var rows, aliasRows [][]any
		for _, f := range fs {
			k := f.key()
			if next[k] {
				continue
			}
			next[k] = true
			first := now
			if p, ok := prev[k]; ok {
				first = p.FirstSeen.UnixMilli()
				if p.Severity != f.Severity {
					changes = append(changes, Change{ImageDigest: digest, VulnID: f.VulnID, PackageName: f.PackageName,
						PackageVersion: f.PackageVersion, Change: ChangeSeverity, OldSeverity: p.Severity, Severity: f.Severity})
				}
			} else if matchedAt != 0 {
				changes = append(changes, Change{ImageDigest: digest, VulnID: f.VulnID, PackageName: f.PackageName,
					PackageVersion: f.PackageVersion, Change: ChangeNew, Severity: f.Severity})
			}
			rows = append(rows, []any{digest, f.VulnID, f.PackageName, f.PackageVersion, f.PackageType, f.Severity,
				f.FixedVersion, f.Title, jsonText(nonNil(f.Aliases)), first, boolInt(f.KEV)})
			for _, a := range f.Aliases {
				if a != "" && a != f.VulnID {
					aliasRows = append(aliasRows, []any{a, f.VulnID})
				}
			}
		}
		for _, f := range old {
			if !next[f.key()] {
				changes = append(changes, Change{ImageDigest: digest, VulnID: f.VulnID, PackageName: f.PackageName,
					PackageVersion: f.PackageVersion, Change: ChangeFixed, OldSeverity: f.Severity})
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM findings WHERE image_digest = $1`, digest); err != nil {
			return err
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO findings (image_digest, vuln_id, package_name, package_version, package_type, severity, fixed_version, title, aliases, first_seen, kev)`, 11, rows, ""); err != nil {
			return err
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO vuln_aliases (alias, vuln_id)`, 2, aliasRows, "ON CONFLICT DO NOTHING"); err != nil {
			return err
		}
		var crow [][]any
		for i := range changes {
			changes[i].At = fromMS(now)
			c := changes[i]
			crow = append(crow, []any{newID(), now, c.ImageDigest, c.VulnID, c.PackageName, c.PackageVersion, c.Change, c.OldSeverity, c.Severity})
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO finding_changes (id, at, image_digest, vuln_id, package_name, package_version, change, old_severity, severity)`, 9, crow, ""); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE images SET matched_at = $2, db_built = $3 WHERE digest = $1`, digest, now, dbBuilt.UnixMilli())
		return err
	})
	return changes, err
}

// Findings returns an image's findings, most severe first.
func (s *Store) Findings(ctx context.Context, digest string) ([]Finding, error) {
	if !textOK(digest) {
		return nil, fmt.Errorf("image %q: %w", digest, ErrNotFound)
	}
	var exists int
	if err := s.db.QueryRowContext(ctx, `SELECT 1 FROM images WHERE digest = $1`, digest).Scan(&exists); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("image %q: %w", digest, ErrNotFound)
		}
		return nil, err
	}
	fs, err := findingsTx(ctx, s.db, digest)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(fs, func(i, j int) bool { return SeverityRank(fs[i].Severity) > SeverityRank(fs[j].Severity) })
	return fs, nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func findingsTx(ctx context.Context, q querier, digest string) ([]Finding, error) {
	rows, err := q.QueryContext(ctx, `SELECT vuln_id, package_name, package_version, package_type, severity, fixed_version, title, aliases, first_seen, kev
		FROM findings WHERE image_digest = $1 ORDER BY vuln_id, package_name, package_version`, digest)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Finding{}
	for rows.Next() {
		var f Finding
		var aliases string
		var first, kev int64
		if err := rows.Scan(&f.VulnID, &f.PackageName, &f.PackageVersion, &f.PackageType, &f.Severity, &f.FixedVersion, &f.Title, &aliases, &first, &kev); err != nil {
			return nil, err
		}
		f.KEV = kev != 0
		_ = json.Unmarshal([]byte(aliases), &f.Aliases)
		f.FirstSeen = fromMS(first)
		out = append(out, f)
	}
	return out, rows.Err()
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// KnownAlerts returns which of ids the host has already sent (of at most
// the first 1,000 ids).
func (s *Store) KnownAlerts(ctx context.Context, hostID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	ids = ids[:min(len(ids), 1000)]
	if len(ids) == 0 || !textOK(append([]string{hostID}, ids...)...) {
		return out, nil
	}
	var b strings.Builder
	args := []any{hostID}
	b.WriteString(`SELECT id FROM alerts WHERE host_id = $1 AND id IN (`)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		args = append(args, id)
		fmt.Fprintf(&b, "$%d", len(args))
	}
	b.WriteByte(')')
	rows, err := s.db.QueryContext(ctx, b.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// RunningHosts returns the hosts on which a container runs the image, and
// the refs those containers name it by.
func (s *Store) RunningHosts(ctx context.Context, digest string) (hosts, refs []string, err error) {
	if !textOK(digest) {
		return nil, nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT host_id, image_ref FROM containers WHERE image_digest = $1 AND state = 'running' ORDER BY host_id, image_ref`, digest)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	seenH, seenR := map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var h, r string
		if err := rows.Scan(&h, &r); err != nil {
			return nil, nil, err
		}
		if !seenH[h] {
			seenH[h] = true
			hosts = append(hosts, h)
		}
		if r != "" && !seenR[r] {
			seenR[r] = true
			refs = append(refs, r)
		}
	}
	return hosts, refs, rows.Err()
}

// SeverityRank orders bulkhead's severities: CRITICAL 5 down to UNKNOWN 0.
func SeverityRank(s string) int {
	switch strings.ToUpper(s) {
	case "CRITICAL":
		return 5
	case "HIGH":
		return 4
	case "MEDIUM":
		return 3
	case "LOW":
		return 2
	case "INFO":
		return 1
	}
	return 0
}

// Changes returns the finding changes recorded at or after since, oldest
// first, at most limit.
func (s *Store) Changes(ctx context.Context, since time.Time, limit int) ([]Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, image_digest, vuln_id, package_name, package_version, change, old_severity, severity
		FROM finding_changes WHERE at >= $1 ORDER BY at, image_digest, vuln_id, package_name LIMIT $2`, since.UnixMilli(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Change{}
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&at, &c.ImageDigest, &c.VulnID, &c.PackageName, &c.PackageVersion, &c.Change, &c.OldSeverity, &c.Severity); err != nil {
			return nil, err
		}
		c.At = fromMS(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// PutAudit replaces a host's audit results with rs.
func (s *Store) PutAudit(ctx context.Context, hostID string, rs []AuditResult) error {
	for _, r := range rs {
		if !textOK(hostID, r.CheckID, r.Status, r.Severity, r.Title, r.Detail) {
			return ErrInvalidText
		}
	}
	now := s.ms()
	seen := map[string]bool{}
	var rows [][]any
	for _, r := range rs {
		if seen[r.CheckID] {
			continue
		}
		seen[r.CheckID] = true
		at := now
		if !r.At.IsZero() {
			at = r.At.UnixMilli()
		}
		rows = append(rows, []any{hostID, r.CheckID, r.Status, r.Severity, r.Title, r.Detail, at})
	}
	return s.replaceHostRows(ctx, "audit_results", hostID,
		`INSERT INTO audit_results (host_id, check_id, status, severity, title, detail, at)`, 7, rows)
}

// Audit returns a host's audit results by check id.
func (s *Store) Audit(ctx context.Context, hostID string) ([]AuditResult, error) {
	return s.auditWhere(ctx, `host_id = $1`, hostID)
}

// HostsFailing returns the failed results of one CIS check across hosts.
func (s *Store) HostsFailing(ctx context.Context, checkID string) ([]AuditResult, error) {
	return s.auditWhere(ctx, `check_id = $1 AND status = 'fail'`, checkID)
}

func (s *Store) auditWhere(ctx context.Context, where string, arg string) ([]AuditResult, error) {
	if !textOK(arg) {
		return []AuditResult{}, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT host_id, check_id, status, severity, title, detail, at FROM audit_results WHERE `+where+` ORDER BY host_id, check_id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []AuditResult{}
	for rows.Next() {
		var r AuditResult
		var at int64
		if err := rows.Scan(&r.HostID, &r.CheckID, &r.Status, &r.Severity, &r.Title, &r.Detail, &at); err != nil {
			return nil, err
		}
		r.At = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutAlerts stores alerts for hostID; an alert whose id the host already
// sent is ignored. It returns how many were new.
func (s *Store) PutAlerts(ctx context.Context, hostID string, as []Alert) (int, error) {
	for _, a := range as {
		if !textOK(hostID, a.ID, a.Rule, a.Priority, a.ContainerID, a.Output) {
			return 0, ErrInvalidText
		}
		for k, v := range a.Fields {
			if !textOK(k, v) {
				return 0, ErrInvalidText
			}
		}
	}
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows := make([][]any, 0, len(as))
		for _, a := range as {
			rows = append(rows, []any{hostID, a.ID, a.At.UnixMilli(), a.Rule, strings.ToUpper(a.Priority), PriorityRank(a.Priority),
				a.ContainerID, a.Output, jsonText(a.Fields)})
		}
		per := s.chunkRows(9)
		for len(rows) > 0 {
			k := min(per, len(rows))
			res, err := insertCount(ctx, tx, `INSERT INTO alerts (host_id, id, at, rule, priority, priority_num, container_id, output, fields)`, 9, rows[:k], "ON CONFLICT DO NOTHING")
			if err != nil {
				return err
			}
			n += res
			rows = rows[k:]
		}
		return nil
	})
	return int(n), err
}

func insertCount(ctx context.Context, tx *sql.Tx, head string, ncols int, rows [][]any, suffix string) (int64, error) {
	var b strings.Builder
	b.WriteString(head)
	b.WriteString(" VALUES ")
	args := make([]any, 0, len(rows)*ncols)
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range ncols {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "$%d", len(args)+j+1)
		}
		b.WriteByte(')')
		args = append(args, r...)
	}
	b.WriteString(" " + suffix)
	res, err := tx.ExecContext(ctx, b.String(), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// AlertFilter selects alerts.
type AlertFilter struct {
	HostID      string
	ContainerID string // an id, or a container name
	MinPriority string
	Since       time.Time
	Limit       int
}

// Alerts returns the alerts matching f, newest first: the dashboard's
// AlertQuery.where over every state.
func (s *Store) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	aq := AlertQuery{HostID: f.HostID, ContainerID: f.ContainerID, MinPriority: f.MinPriority, Since: f.Since, State: AlertsAll}
	if !aq.valid() {
		return []Alert{}, nil
	}
	where, args := aq.where(0) // every state: no mute is judged, so no clock
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	args = append(args, limit)
	q := `SELECT a.host_id, a.id, a.at, a.rule, a.priority, a.container_id, a.output, a.fields FROM alerts a WHERE ` +
		where + ` ORDER BY a.at DESC, a.id LIMIT ` + fmt.Sprintf("$%d", len(args))
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Alert{}
	for rows.Next() {
		var a Alert
		var at int64
		var fields string
		if err := rows.Scan(&a.HostID, &a.ID, &at, &a.Rule, &a.Priority, &a.ContainerID, &a.Output, &fields); err != nil {
			return nil, err
		}
		a.At = fromMS(at)
		_ = json.Unmarshal([]byte(fields), &a.Fields)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Hosts returns every host with its container and audit counts.
func (s *Store) Hosts(ctx context.Context) ([]Host, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT h.id, h.name, h.agent_version, h.first_seen, h.last_seen,
		(SELECT COUNT(*) FROM containers c WHERE c.host_id = h.id),
		(SELECT COUNT(*) FROM audit_results r WHERE r.host_id = h.id AND r.status = 'fail'),
		(SELECT COUNT(*) FROM audit_results r WHERE r.host_id = h.id AND r.status = 'pass')
		FROM hosts h ORDER BY h.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Host{}
	for rows.Next() {
		var h Host
		var first, last int64
		if err := rows.Scan(&h.ID, &h.Name, &h.AgentVersion, &first, &last, &h.Containers, &h.AuditFailed, &h.AuditPassed); err != nil {
			return nil, err
		}
		h.FirstSeen, h.LastSeen = fromMS(first), fromMS(last)
		out = append(out, h)
	}
	return out, rows.Err()
}

// Containers returns a host's containers (every host's when hostID is empty).
func (s *Store) Containers(ctx context.Context, hostID string) ([]Container, error) {
	return s.containersWhere(ctx, `$1 = '' OR host_id = $1`, hostID)
}

// imageColumns are the images columns scanImage reads, in its order.
const imageColumns = `digest, refs, os, first_seen, last_seen, matched_at`

// scanImage reads one row of imageColumns.
func scanImage(row interface{ Scan(...any) error }) (Image, error) {
	var img Image
	var refs string
	var first, last, matched int64
	if err := row.Scan(&img.Digest, &refs, &img.OS, &first, &last, &matched); err != nil {
		return Image{}, err
	}
	_ = json.Unmarshal([]byte(refs), &img.Refs)
	img.FirstSeen, img.LastSeen, img.MatchedAt = fromMS(first), fromMS(last), fromMS(matched)
	return img, nil
}

// Images returns every image with its finding counts by severity.
func (s *Store) Images(ctx context.Context) ([]Image, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+imageColumns+` FROM images ORDER BY digest`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Image{}
	idx := map[string]int{}
	for rows.Next() {
		img, err := scanImage(rows)
		if err != nil {
			return nil, err
		}
		idx[img.Digest] = len(out)
		out = append(out, img)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	crows, err := s.db.QueryContext(ctx, `SELECT image_digest, severity, COUNT(*) FROM findings GROUP BY image_digest, severity`)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	for crows.Next() {
		var d, sev string
		var n int
		if err := crows.Scan(&d, &sev, &n); err != nil {
			return nil, err
		}
		if i, ok := idx[d]; ok {
			if out[i].Findings == nil {
				out[i].Findings = map[string]int{}
			}
			out[i].Findings[sev] = n
		}
	}
	return out, crows.Err()
}

// Hit is one place a searched vulnerability or package is: an image, and the
// container running it when one does.
type Hit struct {
	ImageDigest    string `json:"image_digest"`
	PackageName    string `json:"package_name"`
	PackageVersion string `json:"package_version"`
	VulnID         string `json:"vuln_id,omitempty"`
	Severity       string `json:"severity,omitempty"`
	HostID         string `json:"host_id,omitempty"`
	ContainerID    string `json:"container_id,omitempty"`
	ContainerName  string `json:"container_name,omitempty"`
}

// maxHits bounds a search's answer.
const maxHits = 5000

// SearchVuln returns where the vulnerability id (an advisory id or any of
// its aliases, such as a CVE id) is: every image with a finding of it, joined
// with the containers running the image.
func (s *Store) SearchVuln(ctx context.Context, id string) ([]Hit, error) {
	if !textOK(id) {
		return []Hit{}, nil
	}
	return s.hits(ctx, `SELECT f.image_digest, f.package_name, f.package_version, f.vuln_id, f.severity,
		COALESCE(c.host_id, ''), COALESCE(c.id, ''), COALESCE(c.name, '')
		FROM findings f LEFT JOIN containers c ON c.image_digest = f.image_digest
		WHERE f.vuln_id = $1 OR f.vuln_id IN (SELECT a.vuln_id FROM vuln_aliases a WHERE a.alias = $1)
		ORDER BY f.image_digest, c.host_id, c.id, f.package_name LIMIT $2`, id, maxHits)
}

// SearchPackage returns where a package (by name, case-insensitive) is.
func (s *Store) SearchPackage(ctx context.Context, name string) ([]Hit, error) {
	if !textOK(name) {
		return []Hit{}, nil
	}
	return s.hits(ctx, `SELECT p.image_digest, p.name, p.version, '', '',
		COALESCE(c.host_id, ''), COALESCE(c.id, ''), COALESCE(c.name, '')
		FROM packages p LEFT JOIN containers c ON c.image_digest = p.image_digest
		WHERE p.name_lower = $1
		ORDER BY p.image_digest, c.host_id, c.id, p.version LIMIT $2`, strings.ToLower(name), maxHits)
}

func (s *Store) hits(ctx context.Context, q string, args ...any) ([]Hit, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Hit{}
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.ImageDigest, &h.PackageName, &h.PackageVersion, &h.VulnID, &h.Severity, &h.HostID, &h.ContainerID, &h.ContainerName); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Retain deletes what is older than the cut-offs: alerts, finding changes
// and the admin audit log before before; hosts not seen since hostsBefore
// (with their containers, audit results and alerts); images that no
// container runs and no agent reported since imagesBefore. It returns the
// rows removed per table.
func (s *Store) Retain(ctx context.Context, before, hostsBefore, imagesBefore time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	stmts := []struct{ table, q string }{
		{"alerts", `DELETE FROM alerts WHERE at < $1`},
		{"finding_changes", `DELETE FROM finding_changes WHERE at < $1`},
		{"admin_audit", `DELETE FROM admin_audit WHERE at < $1`},
	}
	for _, st := range stmts {
		res, err := s.db.ExecContext(ctx, st.q, before.UnixMilli())
		if err != nil {
			return out, fmt.Errorf("retention %s: %w", st.table, err)
		}
		out[st.table], _ = res.RowsAffected()
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM hosts WHERE last_seen < $1`, hostsBefore.UnixMilli())
	if err != nil {
		return out, fmt.Errorf("retention hosts: %w", err)
	}
	out["hosts"], _ = res.RowsAffected()
	res, err = s.db.ExecContext(ctx, `DELETE FROM images WHERE last_seen < $1 AND digest NOT IN (SELECT image_digest FROM containers)`, imagesBefore.UnixMilli())
	if err != nil {
		return out, fmt.Errorf("retention images: %w", err)
	}
	out["images"], _ = res.RowsAffected()
	return out, nil
}
