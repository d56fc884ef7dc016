// Package json writes a report as bulkhead's versioned JSON document: the
// report model itself, with schema_version first (docs/json-schema.md).
package json

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// Options are the options all formats share; json uses none of them.
type Options = report.WriteOptions

// Write writes r as indented JSON followed by a newline.
func Write(w io.Writer, r *report.Report, _ Options) error {
	out := *r
	if out.SchemaVersion == 0 {
		out.SchemaVersion = report.SchemaVersion
	}
	if out.Tool == "" {
		out.Tool = "bulkhead"
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}
