package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ImageIssues are an image's secrets and failed image checks, as the agent
// last sent them.
type ImageIssues struct {
	Secrets    []ImageSecret    `json:"secrets"`
	Misconfigs []ImageMisconfig `json:"misconfigs"`
}

// ImageSecret is one secret found in an image; Evidence is redacted.
type ImageSecret struct {
	RuleID   string `json:"rule_id"`
	Severity string `json:"severity,omitempty"`
	Title    string `json:"title,omitempty"`
	Path     string `json:"path"`
	Line     int    `json:"line,omitempty"`
	Layer    string `json:"layer,omitempty"`
	Evidence string `json:"evidence,omitempty"`
}

// ImageMisconfig is one failed image check.
type ImageMisconfig struct {
	ID       string `json:"id"`
	Severity string `json:"severity,omitempty"`
	Title    string `json:"title"`
	Fix      string `json:"fix,omitempty"`
	Path     string `json:"path,omitempty"`
}

// PutImageIssues replaces an image's secrets and misconfigurations. The
// image must be stored (its SBOM sent first): ErrNotFound otherwise.
func (s *Store) PutImageIssues(ctx context.Context, digest string, is ImageIssues) error {
	if !textOK(digest) {
		return ErrInvalidText
	}
	var rows [][]any
	for i, x := range is.Secrets {
		if !textOK(x.RuleID, x.Severity, x.Title, x.Path, x.Layer, x.Evidence) {
			return ErrInvalidText
		}
		rows = append(rows, []any{digest, "secret", i, x.RuleID, x.Severity, x.Title, x.Path, x.Line, x.Layer, x.Evidence, ""})
	}
	for i, x := range is.Misconfigs {
		if !textOK(x.ID, x.Severity, x.Title, x.Fix, x.Path) {
			return ErrInvalidText
		}
		rows = append(rows, []any{digest, "misconfig", i, x.ID, x.Severity, x.Title, x.Path, 0, "", "", x.Fix})
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM images WHERE digest = $1`, digest).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("image %q: %w", digest, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM image_issues WHERE image_digest = $1`, digest); err != nil {
			return err
		}
		return s.insertRows(ctx, tx, `INSERT INTO image_issues (image_digest, kind, seq, rule_id, severity, title, path, line, layer, evidence, fix)`, 11, rows, "")
	})
}

// ImageIssuesOf returns an image's secrets and misconfigurations in the
// order they were sent; both lists are empty (not nil) when there are none.
func (s *Store) ImageIssuesOf(ctx context.Context, digest string) (ImageIssues, error) {
	out := ImageIssues{Secrets: []ImageSecret{}, Misconfigs: []ImageMisconfig{}}
	if !textOK(digest) {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT kind, rule_id, severity, title, path, line, layer, evidence, fix FROM image_issues WHERE image_digest = $1 ORDER BY kind, seq`, digest)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind, id, sev, title, path, layer, ev, fix string
		var line int
		if err := rows.Scan(&kind, &id, &sev, &title, &path, &line, &layer, &ev, &fix); err != nil {
			return out, err
		}
		if kind == "secret" {
			out.Secrets = append(out.Secrets, ImageSecret{RuleID: id, Severity: sev, Title: title, Path: path, Line: line, Layer: layer, Evidence: ev})
		} else {
			out.Misconfigs = append(out.Misconfigs, ImageMisconfig{ID: id, Severity: sev, Title: title, Fix: fix, Path: path})
		}
	}
	return out, rows.Err()
}

// IssueCount is how many secrets and misconfigurations an image has.
type IssueCount struct {
	Secrets    int
	Misconfigs int
}

// IssueCounts returns the secret and misconfiguration counts of every
// image that has any, by digest.
func (s *Store) IssueCounts(ctx context.Context) (map[string]IssueCount, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT image_digest, kind, COUNT(*) FROM image_issues GROUP BY image_digest, kind`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]IssueCount{}
	for rows.Next() {
		var dg, kind string
		var n int
		if err := rows.Scan(&dg, &kind, &n); err != nil {
			return nil, err
		}
		c := out[dg]
		if kind == "secret" {
			c.Secrets = n
		} else {
			c.Misconfigs = n
		}
		out[dg] = c
	}
	return out, rows.Err()
}
