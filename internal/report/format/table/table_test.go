package table_test

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/table"
)

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		r    *report.Report
		opts table.Options
	}{
		{"image.txt", formattest.Report(), table.Options{}},
		{"image-narrow.txt", formattest.Report(), table.Options{Width: 72}},
		{"image-80.txt", formattest.Report(), table.Options{Width: 80}},
		{"image-120.txt", formattest.Report(), table.Options{Width: 120}},
		{"image-packages.txt", formattest.Report(), table.Options{ShowPackages: true, ShowSuppressed: true}},
		{"image-color.txt", formattest.Report(), table.Options{Color: true}},
		{"fs.txt", formattest.Filesystem(), table.Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := table.Write(&buf, tt.r, tt.opts); err != nil {
				t.Fatal(err)
			}
			formattest.Golden(t, tt.name, buf.Bytes())
		})
	}
}

func TestFitsWidth(t *testing.T) {
	for _, width := range []int{40, 60, 80, 100, 160} {
		var buf bytes.Buffer
		if err := table.Write(&buf, formattest.Report(), table.Options{Width: width}); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(buf.String(), "\n") {
			// Summary and status lines are prose and may wrap in the terminal.
			if !strings.HasPrefix(l, "  ") && !strings.Contains(l, "  ") {
				continue
			}
			if n := len([]rune(l)); n > width {
				t.Errorf("width %d: line of %d runes: %q", width, n, l)
			}
		}
	}
}

func TestNoColorWithoutOption(t *testing.T) {
	var buf bytes.Buffer
	if err := table.Write(&buf, formattest.Report(), table.Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b[") {
		t.Error("escape sequences written with Color off")
	}
}

func TestHostileTextIsEscaped(t *testing.T) {
	r := formattest.Filesystem()
	r.Findings = []finding.Finding{{Kind: finding.Misconfiguration, ID: "X", Severity: finding.Low,
		Title: "evil\x1b]0;pwned\x07title", Location: finding.Location{Path: "a\nb"}}}
	r.Warnings = []string{"bad \x1b[2J warning"}
	var buf bytes.Buffer
	if err := table.Write(&buf, r, table.Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(buf.String(), "\x1b\x07") {
		t.Errorf("control characters reached the terminal:\n%q", buf.String())
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		counts map[finding.Severity]int
		total  int
		want   string
	}{
		{map[finding.Severity]int{}, 0, "0 findings: 0 critical, 0 high, 0 medium, 0 low, 0 info, 0 unknown"},
		{map[finding.Severity]int{finding.High: 1}, 1, "1 finding: 0 critical, 1 high, 0 medium, 0 low, 0 info, 0 unknown"},
		{map[finding.Severity]int{finding.Critical: 2, finding.Unknown: 3}, 5, "5 findings: 2 critical, 0 high, 0 medium, 0 low, 0 info, 3 unknown"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, table.Summary(tt.counts, tt.total)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
}

func TestHostReportHasNoPackageLine(t *testing.T) {
	r := formattest.Filesystem()
	r.Target = report.Target{Kind: report.KindHost, Name: "build-01"}
	r.Packages = nil
	var buf bytes.Buffer
	if err := table.Write(&buf, r, table.Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Packages:") {
		t.Errorf("host report mentions packages:\n%s", buf.String())
	}
}

func TestWrap(t *testing.T) {
	var buf bytes.Buffer
	r := formattest.Filesystem()
	r.Findings = []finding.Finding{{Kind: finding.Misconfiguration, ID: "X", Severity: finding.Low,
		Title:    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty",
		Location: finding.Location{Path: "Dockerfile", Line: 3}}}
	if err := table.Write(&buf, r, table.Options{Width: 50}); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	want := "SEVERITY  ID  LOCATION      TITLE\n" +
		"LOW       X   Dockerfile:3  one two three four\n" +
		"                            five six seven eight\n" +
		"                            nine ten eleven twelv…\n"
	if !strings.Contains(got, want) {
		t.Errorf("wrapped table not found; got:\n%s\nwant it to contain:\n%s", got, want)
	}
}

func TestAuditGolden(t *testing.T) {
	for _, width := range []int{80, 120} {
		name := "audit-" + strconv.Itoa(width) + ".txt"
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := table.Write(&buf, formattest.Audit(), table.Options{Width: width}); err != nil {
				t.Fatal(err)
			}
			formattest.Golden(t, name, buf.Bytes())
			for _, l := range strings.Split(buf.String(), "\n") {
				if n := len([]rune(l)); n > width {
					t.Errorf("line of %d runes at width %d: %q", n, width, l)
				}
			}
			// Every failing container is named under its check, once.
			for _, want := range []string{"web (registry.example.com/team/nginx:1.25.3-alpine): network=host", "2 of 3 containers", "all 2 containers pass", "2 containers skipped"} {
				if !strings.Contains(strings.Join(strings.Fields(buf.String()), " "), want) {
					t.Errorf("width %d: no %q in\n%s", width, want, buf.String())
				}
			}
			if n := strings.Count(buf.String(), "needs root to read other processes"); n != 1 {
				t.Errorf("the shared skip reason appears %d times, want once", n)
			}
		})
	}
}

// TestNothingSplit: at 80 and 120 columns no id, version, path:line
// location or digest is split over lines; only free text wraps.
func TestNothingSplit(t *testing.T) {
	for _, width := range []int{80, 120} {
		for name, r := range map[string]*report.Report{"image": formattest.Report(), "audit": formattest.Audit()} {
			var buf bytes.Buffer
			if err := table.Write(&buf, r, table.Options{Width: width}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			var whole []string
			for _, f := range r.Findings {
				whole = append(whole, f.ID)
				if f.Package != nil {
					whole = append(whole, f.Package.Version)
					if f.Package.FixedVersion != "" {
						whole = append(whole, f.Package.FixedVersion)
					}
				}
				if f.Location.Path != "" && f.Location.Line > 0 {
					whole = append(whole, f.Location.Path+":"+strconv.Itoa(f.Location.Line))
				}
			}
			if r.Target.Digest != "" {
				whole = append(whole, r.Target.Digest)
			}
			for _, w := range whole {
				if !strings.Contains(out, w) {
					t.Errorf("%s at %d columns: %q is split or missing:\n%s", name, width, w, out)
				}
			}
			for _, l := range strings.Split(out, "\n") {
				if n := utf8.RuneCountInString(l); n > width && strings.Contains(l, "  ") {
					t.Errorf("%s at %d columns: line of %d runes: %q", name, width, n, l)
				}
			}
		}
	}
}

func TestWidth(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "report")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Setenv("COLUMNS", "")
	if w := table.Width(f); w != table.DefaultWidth {
		t.Errorf("Width(file) = %d, want %d", w, table.DefaultWidth)
	}
	t.Setenv("COLUMNS", "93")
	if w := table.Width(f); w != 93 {
		t.Errorf("Width(file) with COLUMNS=93 = %d", w)
	}
	t.Setenv("COLUMNS", "wide")
	if w := table.Width(nil); w != table.DefaultWidth {
		t.Errorf("Width with COLUMNS=wide = %d", w)
	}
}

// vulnReport holds a distro advisory naming five CVEs, a second advisory
// naming one of them for the same package, a GHSA without CVE and a KEV
// CVE.
func vulnReport() *report.Report {
	r := formattest.Filesystem()
	pkg := &finding.PackageRef{Name: "libssl1.1", Version: "1.1.1n-0+deb11u1", FixedVersion: "1.1.1n-0+deb11u4"}
	r.Findings = []finding.Finding{
		{Kind: finding.Vulnerability, ID: "DSA-5343-1", Severity: finding.High, Title: "openssl - security update", Package: pkg,
			CVEs: []finding.CVE{
				{ID: "CVE-2022-2097", Severity: finding.Medium}, {ID: "CVE-2022-4304", Severity: finding.Medium},
				{ID: "CVE-2022-4450", Severity: finding.High}, {ID: "CVE-2023-0215", Severity: finding.High},
				{ID: "CVE-2023-0286", Severity: finding.High, EPSS: &finding.EPSS{Score: 0.5}},
			}},
		{Kind: finding.Vulnerability, ID: "DLA-3325-1", Severity: finding.High, Title: "openssl - LTS security update", Package: pkg,
			CVEs: []finding.CVE{{ID: "CVE-2023-0286", Severity: finding.High}}},
		{Kind: finding.Vulnerability, ID: "GHSA-aaaa-bbbb-cccc", Severity: finding.Low, Title: "a package with a very long name and a long title that must wrap",
			Package: &finding.PackageRef{Name: "@some-scope/a-rather-long-package-name", Version: "10.20.30-beta.4"}},
		{Kind: finding.Vulnerability, ID: "GO-2025-0001", Severity: finding.Medium, Title: "exploited", Package: &finding.PackageRef{Name: "example.com/mod", Version: "v1.0.0"},
			KEV:  &finding.KEV{CVE: "CVE-2025-49704", DateAdded: "2025-07-22"},
			CVEs: []finding.CVE{{ID: "CVE-2025-49704", Severity: finding.Medium, KEV: &finding.KEV{CVE: "CVE-2025-49704", DateAdded: "2025-07-22"}}}},
	}
	return r
}

// TestVulnerabilityRowsPerCVE: one row per CVE, the advisory as the
// reference, one row for a CVE two advisories name for the same package,
// KEV first and marked.
func TestVulnerabilityRowsPerCVE(t *testing.T) {
	var buf bytes.Buffer
	if err := table.Write(&buf, vulnReport(), table.Options{Width: 160}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "Vulnerabilities (7 in 4 advisories)") {
		t.Errorf("heading:\n%s", out)
	}
	for _, cve := range []string{"CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215"} {
		if n := strings.Count(out, cve); n != 1 {
			t.Errorf("%s appears %d times", cve, n)
		}
	}
	if n := strings.Count(out, "CVE-2023-0286"); n != 1 {
		t.Errorf("CVE-2023-0286, named by two advisories for the same package, appears %d times:\n%s", n, out)
	}
	if !strings.Contains(out, "DSA-5343-1, DLA-3325-1: openssl - security update") {
		t.Errorf("the shared row does not name both advisories:\n%s", out)
	}
	lines := strings.Split(out, "\n")
	first := ""
	for i, l := range lines {
		if strings.HasPrefix(l, "SEVERITY") && i+1 < len(lines) {
			first = lines[i+1]
			break
		}
	}
	if !strings.HasPrefix(first, "MEDIUM KEV") || !strings.Contains(first, "CVE-2025-49704") {
		t.Errorf("the KEV row is not first and marked: %q", first)
	}
	// HIGH before MEDIUM, and among the HIGH rows the one with an EPSS
	// score first.
	if i, j := strings.Index(out, "CVE-2023-0286"), strings.Index(out, "CVE-2022-4450"); i > j {
		t.Errorf("EPSS does not order rows of one severity")
	}
}

// TestVulnerabilityColumnsNeverSplit: at 80 columns (and narrower) ids,
// package names and versions stay whole on one line; only titles wrap.
func TestVulnerabilityColumnsNeverSplit(t *testing.T) {
	for _, width := range []int{80, 60, 40} {
		var buf bytes.Buffer
		if err := table.Write(&buf, vulnReport(), table.Options{Width: width}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, tok := range []string{"CVE-2022-2097", "GHSA-aaaa-bbbb-cccc", "@some-scope/a-rather-long-package-name", "10.20.30-beta.4",
			"1.1.1n-0+deb11u1", "1.1.1n-0+deb11u4", "libssl1.1", "example.com/mod"} {
			found := false
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, tok) {
					found = true
				}
			}
			if !found {
				t.Errorf("width %d: %q is split or missing:\n%s", width, tok, out)
			}
		}
	}
}
