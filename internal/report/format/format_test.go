package format_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
)

func TestNames(t *testing.T) {
	want := []string{"table", "json", "sarif", "cyclonedx", "spdx", "junit", "markdown"}
	if diff := cmp.Diff(want, format.Names()); diff != "" {
		t.Errorf("Names (-want +got):\n%s", diff)
	}
}

func TestNoDuplicateNames(t *testing.T) {
	seen := map[string]string{}
	for _, f := range format.All {
		for _, n := range append([]string{f.Name}, f.Aliases...) {
			if other, ok := seen[n]; ok {
				t.Errorf("name %q used by %s and %s", n, other, f.Name)
			}
			seen[n] = f.Name
		}
		if f.Write == nil || f.Description == "" || f.Extension == "" {
			t.Errorf("format %s is incomplete", f.Name)
		}
	}
}

func TestWriteEveryFormat(t *testing.T) {
	for _, name := range append(format.Names(), "CDX", "md", "spdx-json") {
		var buf bytes.Buffer
		if err := format.Write(&buf, name, formattest.Report(), format.Options{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if buf.Len() == 0 {
			t.Errorf("%s: nothing written", name)
		}
	}
}

func TestUnknown(t *testing.T) {
	err := format.Write(&bytes.Buffer{}, "yaml", formattest.Report(), format.Options{})
	if !errors.Is(err, format.ErrUnknown) {
		t.Errorf("err = %v, want ErrUnknown", err)
	}
}

// A writer must not change the report it is given: several are called on
// the same report, and the server keeps reports in memory.
func TestWritersDoNotMutate(t *testing.T) {
	for _, name := range format.Names() {
		r := formattest.Report()
		if err := format.Write(&bytes.Buffer{}, name, r, format.Options{ShowPackages: true, ShowSuppressed: true}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(formattest.Report(), r); diff != "" {
			t.Errorf("%s changed the report (-want +got):\n%s", name, diff)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	r := formattest.Large(5000, 2000)
	for _, name := range format.Names() {
		b.Run(name, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := format.Write(&buf, name, r, format.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}

// Every writer copes with an empty report and with a report holding only
// zero values, as a command that failed early may produce.
func TestEmptyReports(t *testing.T) {
	reports := map[string]*report.Report{
		"zero": {},
		"zero values": {Packages: []inventory.Package{{}}, Findings: []finding.Finding{{}, {Kind: finding.Vulnerability, Package: &finding.PackageRef{}}},
			Suppressed: []report.Suppressed{{By: report.ByVEX, VEX: &report.VEXStatement{}}}, Scanners: []report.ScannerStatus{{State: report.StateFailed}},
			Target: report.Target{Kind: report.KindImage, OS: &inventory.OS{}}},
	}
	for rname, r := range reports {
		for _, name := range format.Names() {
			if err := format.Write(&bytes.Buffer{}, name, r, format.Options{ShowPackages: true, ShowSuppressed: true, Color: true}); err != nil {
				t.Errorf("%s report, %s: %v", rname, name, err)
			}
		}
	}
	if err := format.Write(&bytes.Buffer{}, "json", nil, format.Options{}); err == nil {
		t.Error("nil report: no error")
	}
}
