package json_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
	jsonfmt "github.com/bulkhead-sec/bulkhead/internal/report/format/json"
)

func TestGolden(t *testing.T) {
	for name, r := range map[string]*report.Report{"image.json": formattest.Report(), "fs.json": formattest.Filesystem()} {
		var buf bytes.Buffer
		if err := jsonfmt.Write(&buf, r, jsonfmt.Options{}); err != nil {
			t.Fatal(err)
		}
		formattest.Golden(t, name, buf.Bytes())
	}
}

// TestRoundTrip checks that the JSON document reads back into the same report.
func TestRoundTrip(t *testing.T) {
	want := formattest.Report()
	var buf bytes.Buffer
	if err := jsonfmt.Write(&buf, want, jsonfmt.Options{}); err != nil {
		t.Fatal(err)
	}
	var got report.Report
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, &got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	var top map[string]any
	_ = json.Unmarshal(buf.Bytes(), &top)
	if v, _ := top["schema_version"].(float64); int(v) != report.SchemaVersion {
		t.Errorf("schema_version = %v, want %d", top["schema_version"], report.SchemaVersion)
	}
}
