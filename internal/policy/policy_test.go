package policy

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// outcome is what Apply did to each finding: "kept" or the By of its suppression.
func outcome(r *report.Report) map[string]string {
	m := map[string]string{}
	for _, f := range r.Findings {
		m[f.ID] = "kept"
	}
	for _, s := range r.Suppressed {
		if _, dup := m[s.Finding.ID]; !dup {
			m[s.Finding.ID] = s.By
		}
	}
	return m
}

func fixtureIgnore(t *testing.T) *IgnoreFile {
	t.Helper()
	ig, err := LoadIgnoreFile(filepath.Join("testdata", "bulkheadignore.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return ig
}

func fixtureVEX(t *testing.T) *VEXDoc {
	t.Helper()
	v, err := LoadVEX(filepath.Join("testdata", "vex.json"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestApply(t *testing.T) {
	all := map[string]string{
		"GHSA-jfh8-c2jp-5v3q": "kept", "CVE-2024-0727": "kept", "CVE-2020-28500": "kept", "BH-SEC-aws-access-key": "kept",
		"BH-DF-003": "kept", "BH-IMG-001": "kept", "1.1.1": "kept", "2.2": "kept", "2.14": "kept", "1.1.3": "kept",
		"BH-RT-shell-in-container": "kept",
		// already suppressed in the fixture:
		"CVE-2023-5678": "vex", "BH-DF-010": "ignore-file",
	}
	with := func(changes map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range all {
			m[k] = v
		}
		for k, v := range changes {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name     string
		policy   func(t *testing.T) Policy
		want     map[string]string
		warnings []string
	}{
		{"nothing", func(*testing.T) Policy { return Policy{Now: now} }, all, nil},
		{"min severity high", func(*testing.T) Policy { return Policy{MinSeverity: finding.High, Now: now} },
			with(map[string]string{"CVE-2024-0727": "severity", "CVE-2020-28500": "severity", "BH-DF-003": "severity",
				"1.1.1": "severity", "2.14": "severity", "1.1.3": "severity"}), nil},
		{"ignore unfixed", func(*testing.T) Policy { return Policy{IgnoreUnfixed: true, Now: now} },
			with(map[string]string{"CVE-2020-28500": "unfixed"}), nil},
		{"ignore file", func(t *testing.T) Policy { return Policy{Ignore: fixtureIgnore(t), Now: now} },
			with(map[string]string{"CVE-2024-0727": "ignore-file", "GHSA-jfh8-c2jp-5v3q": "ignore-file"}),
			[]string{`entry 3 (id "BH-DF-003", line 11) expired on 2026-01-01`}},
		{"ignore file before expiry", func(t *testing.T) Policy {
			return Policy{Ignore: fixtureIgnore(t), Now: time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC)}
		}, with(map[string]string{"CVE-2024-0727": "ignore-file", "GHSA-jfh8-c2jp-5v3q": "ignore-file", "BH-DF-003": "ignore-file"}), nil},
		{"ignore file after every expiry", func(t *testing.T) Policy {
			return Policy{Ignore: fixtureIgnore(t), Now: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)}
		}, with(map[string]string{"GHSA-jfh8-c2jp-5v3q": "ignore-file"}),
			[]string{`entry 1 (id "CVE-2024-0727", line 3) expired on 2027-01-31`, `entry 3 (id "BH-DF-003", line 11) expired`}},
		{"vex", func(t *testing.T) Policy { return Policy{VEX: fixtureVEX(t), Now: now} },
			with(map[string]string{"CVE-2024-0727": "vex", "CVE-2020-28500": "vex"}),
			[]string{`statement 4 (CVE-2099-0001) skipped: status "maybe"`}},
		{"vex wins over the ignore file", func(t *testing.T) Policy {
			return Policy{VEX: fixtureVEX(t), Ignore: fixtureIgnore(t), IgnoreUnfixed: true, MinSeverity: finding.Critical, Now: now}
		}, with(map[string]string{"CVE-2024-0727": "vex", "CVE-2020-28500": "vex", "GHSA-jfh8-c2jp-5v3q": "ignore-file",
			"BH-DF-003": "severity", "BH-IMG-001": "severity", "1.1.1": "severity", "2.2": "severity", "2.14": "severity", "1.1.3": "severity",
			"BH-RT-shell-in-container": "severity"}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := formattest.Report()
			before := len(r.Findings) + len(r.Suppressed)
			Apply(r, tt.policy(t))
			if diff := cmp.Diff(tt.want, outcome(r)); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			if n := len(r.Findings) + len(r.Suppressed); n != before {
				t.Errorf("%d findings in all after Apply, want %d", n, before)
			}
			for _, w := range tt.warnings {
				found := false
				for _, got := range r.Warnings {
					found = found || strings.Contains(got, w)
				}
				if !found {
					t.Errorf("no warning containing %q in %q", w, r.Warnings)
				}
			}
			// A second Apply changes nothing.
			again := len(r.Suppressed)
			Apply(r, tt.policy(t))
			if len(r.Suppressed) != again {
				t.Errorf("second Apply suppressed %d more", len(r.Suppressed)-again)
			}
		})
	}
}

func TestVEXStatementInJSON(t *testing.T) {
	r := formattest.Report()
	Apply(r, Policy{VEX: fixtureVEX(t), Now: now})
	var got *report.Suppressed
	for i := range r.Suppressed {
		if r.Suppressed[i].Finding.ID == "CVE-2024-0727" {
			got = &r.Suppressed[i]
		}
	}
	if got == nil {
		t.Fatal("CVE-2024-0727 not suppressed")
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	type vexJSON struct {
		Document        string   `json:"document"`
		Status          string   `json:"status"`
		Justification   string   `json:"justification"`
		ImpactStatement string   `json:"impact_statement"`
		Products        []string `json:"products"`
	}
	type suppressedJSON struct {
		Finding struct {
			ID string `json:"id"`
		} `json:"finding"`
		By        string   `json:"by"`
		Statement string   `json:"statement"`
		VEX       *vexJSON `json:"vex"`
	}
	var m suppressedJSON
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := suppressedJSON{By: "vex", Statement: "PKCS12 files are never parsed", VEX: &vexJSON{
		Document: "https://shop.example.com/vex/web-1.4", Status: "not_affected", Justification: "vulnerable_code_not_in_execute_path",
		ImpactStatement: "PKCS12 files are never parsed", Products: []string{"pkg:deb/debian/libssl3"}}}
	want.Finding.ID = "CVE-2024-0727"
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("json (-want +got):\n%s\n%s", diff, b)
	}
}

func TestExceeds(t *testing.T) {
	r := formattest.Report()
	tests := []struct {
		failOn finding.Severity
		want   bool
	}{
		{finding.Critical, true}, {finding.High, true}, {finding.Unknown, true},
	}
	for _, tt := range tests {
		if got := Exceeds(r, tt.failOn); got != tt.want {
			t.Errorf("Exceeds(%s) = %v, want %v", tt.failOn, got, tt.want)
		}
	}
	// Only a passed and a skipped compliance check left: nothing to fail on.
	r2 := formattest.Report()
	var keep []finding.Finding
	for _, f := range r2.Findings {
		if f.Status == finding.StatusPass || f.Status == finding.StatusSkip {
			keep = append(keep, f)
		}
	}
	r2.Findings = keep
	if Exceeds(r2, finding.Unknown) {
		t.Error("passed and skipped compliance checks counted as failures")
	}
	// After a HIGH threshold, a MEDIUM fail-on still sees the HIGH ones.
	r3 := formattest.Report()
	Apply(r3, Policy{MinSeverity: finding.Critical, Now: now})
	if !Exceeds(r3, finding.Critical) || Exceeds(&report.Report{}, finding.Unknown) {
		t.Error("Exceeds after Apply is wrong")
	}
}

func TestParseIgnoreFileErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no reason", "ignore:\n  - id: CVE-1\n", `entry 1 (line 2, id "CVE-1"): reason is required`},
		{"no id", "ignore:\n  - reason: x\n", "entry 1 (line 2): id is required"},
		{"unknown key", "ignore:\n  - id: a\n    reason: b\n    severity: HIGH\n", `entry 1 (line 4): unknown key "severity"`},
		{"bad date", "ignore:\n  - id: a\n    reason: b\n    expires: soon\n", `expires "soon": want a date`},
		{"bad glob", "ignore:\n  - id: a\n    reason: b\n    path: \"[\"\n", `path "["`},
		{"not a list", "ignore: 5\n", `line 1: "ignore" must be a list`},
		{"top key", "ignores:\n  - id: a\n", `line 1: unknown key "ignores"`},
		{"entry not a map", "ignore:\n  - CVE-1\n", "entry 1 (line 2): want a mapping"},
		{"nested value", "ignore:\n  - id: [a, b]\n    reason: x\n", `entry 1 (line 2): "id" must be a single value`},
		{"alias", "ignore:\n  - &a {id: x, reason: y}\n  - *a\n", "aliases are not allowed"},
		{"yaml syntax", "ignore:\n  - id: 'x\n", "line"},
		{"scalar", "hello\n", "want a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseIgnoreFile([]byte(tt.in), ".bulkheadignore")
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrIgnoreFile) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `".bulkheadignore"`) {
				t.Errorf("err = %v, want ErrIgnoreFile naming the file and %q", err, tt.want)
			}
		})
	}
}

func TestParseIgnoreFile(t *testing.T) {
	for _, in := range []string{"", "# nothing\n", "ignore:\n", "ignore: []\n"} {
		ig, err := ParseIgnoreFile([]byte(in), "x")
		if err != nil || len(ig.Entries) != 0 {
			t.Errorf("%q: %v, %d entries; want none", in, err, len(ig.Entries))
		}
	}
	ig := fixtureIgnore(t)
	type row struct {
		ID, Package, Path, Expires string
		Line                       int
	}
	var got []row
	for _, e := range ig.Entries {
		got = append(got, row{e.ID, e.Package, e.Path, e.Expires, e.Line})
	}
	want := []row{
		{"CVE-2024-0727", "libssl3", "", "2027-01-31", 3},
		{"CVE-2021-44228", "pkg:maven/org.apache.logging.log4j/", "app/**/*.jar", "", 7},
		{"BH-DF-003", "", "Dockerfile", "2026-01-01", 11},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	// A bare list is accepted too.
	if ig, err := ParseIgnoreFile([]byte("- id: a\n  reason: b\n"), "x"); err != nil || len(ig.Entries) != 1 {
		t.Errorf("bare list: %v", err)
	}
	if _, err := LoadIgnoreFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"Dockerfile", "Dockerfile", true},
		{"Dockerfile", "sub/Dockerfile", false},
		{"**/Dockerfile", "sub/Dockerfile", true},
		{"**/Dockerfile", "Dockerfile", true},
		{"app/**/*.jar", "app/lib/x.jar", true},
		{"app/**/*.jar", "app/x.jar", true},
		{"app/**/*.jar", "app/a/b/c/x.jar", true},
		{"app/**/*.jar", "lib/x.jar", false},
		{"app/*.jar", "app/lib/x.jar", false},
		{"**", "anything/at/all", true},
		{"a/**/b/**/c", "a/x/b/y/z/c", true},
		{"a/**/b/**/c", "a/x/y/z/c", false},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.name); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestVEXMatching(t *testing.T) {
	target := report.Target{Kind: report.KindImage, Name: "registry.example.com/shop/web:1.4", Digest: formattest.Digest}
	pkg := "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
	tests := []struct {
		name     string
		products string
		want     bool
	}{
		{"versionless purl", `[{"@id": "pkg:deb/debian/libssl3"}]`, true},
		{"exact version", `[{"@id": "pkg:deb/debian/libssl3@3.0.11-1~deb12u2"}]`, true},
		{"other version", `[{"@id": "pkg:deb/debian/libssl3@3.0.13-1~deb12u1"}]`, false},
		{"qualifier present", `[{"@id": "pkg:deb/debian/libssl3?arch=amd64"}]`, true},
		{"qualifier differs", `[{"@id": "pkg:deb/debian/libssl3?arch=arm64"}]`, false},
		{"other package", `[{"@id": "pkg:deb/debian/libssl1.1"}]`, false},
		{"purl identifier", `[{"identifiers": {"purl": "pkg:deb/debian/libssl3"}}]`, true},
		{"image by digest purl + subcomponent", `[{"@id": "pkg:oci/web@sha256%3Aabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd", "subcomponents": [{"@id": "pkg:deb/debian/libssl3"}]}]`, true},
		{"image by name + subcomponent", `[{"@id": "pkg:oci/web", "subcomponents": [{"@id": "pkg:deb/debian/libssl3"}]}]`, true},
		{"image by reference + subcomponent", `[{"@id": "registry.example.com/shop/web:1.4", "subcomponents": [{"@id": "pkg:deb/debian/libssl3"}]}]`, true},
		{"image by hash + subcomponent", `[{"hashes": {"sha-256": "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd"}, "subcomponents": [{"@id": "pkg:deb/debian/libssl3"}]}]`, true},
		{"another image", `[{"@id": "pkg:oci/web@sha256%3A0000000000000000000000000000000000000000000000000000000000000000", "subcomponents": [{"@id": "pkg:deb/debian/libssl3"}]}]`, false},
		{"another image name", `[{"@id": "pkg:oci/api", "subcomponents": [{"@id": "pkg:deb/debian/libssl3"}]}]`, false},
		{"image, other subcomponent", `[{"@id": "pkg:oci/web", "subcomponents": [{"@id": "pkg:deb/debian/bash"}]}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "statements": [{"vulnerability": {"name": "CVE-1"}, "products": ` +
				tt.products + `, "status": "not_affected", "justification": "component_not_present"}]}`
			v, err := ParseVEX([]byte(doc), "vex.json")
			if err != nil {
				t.Fatal(err)
			}
			r := &report.Report{Target: target}
			f := finding.Finding{Kind: finding.Vulnerability, ID: "CVE-1", Package: &finding.PackageRef{Name: "libssl3", PURL: pkg}}
			_, got := v.match(r, &f)
			if got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVEXLatestStatementWins(t *testing.T) {
	doc := `{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "timestamp": "2026-01-01T00:00:00Z", "statements": [
	 {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "not_affected", "justification": "component_not_present", "timestamp": "2026-03-01T00:00:00Z"},
	 {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "affected", "action_statement": "upgrade", "timestamp": "2026-02-01T00:00:00Z"},
	 {"vulnerability": {"name": "CVE-2"}, "products": [{"@id": "pkg:npm/a"}], "status": "not_affected", "justification": "component_not_present", "timestamp": "2026-02-01T00:00:00Z"},
	 {"vulnerability": {"name": "CVE-2"}, "products": [{"@id": "pkg:npm/a"}], "status": "affected", "action_statement": "upgrade", "timestamp": "2026-03-01T00:00:00Z"}
	]}`
	v, err := ParseVEX([]byte(doc), "vex.json")
	if err != nil {
		t.Fatal(err)
	}
	r := &report.Report{Findings: []finding.Finding{
		{Kind: finding.Vulnerability, ID: "CVE-1", Package: &finding.PackageRef{Name: "a", PURL: "pkg:npm/a@1.0.0"}},
		{Kind: finding.Vulnerability, ID: "CVE-2", Package: &finding.PackageRef{Name: "a", PURL: "pkg:npm/a@1.0.0"}},
		{Kind: finding.Secret, ID: "CVE-1"},
	}}
	Apply(r, Policy{VEX: v, Now: now})
	var got []string
	for _, f := range r.Findings {
		got = append(got, "kept "+string(f.Kind)+" "+f.ID)
	}
	for _, s := range r.Suppressed {
		got = append(got, s.By+" "+string(s.Finding.Kind)+" "+s.Finding.ID)
	}
	want := []string{"kept vulnerability CVE-2", "kept secret CVE-1", "vex vulnerability CVE-1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseVEXErrors(t *testing.T) {
	for _, in := range []string{`not json`, `{"@context": "https://example.com"}`, `[]`} {
		if _, err := ParseVEX([]byte(in), "v.json"); err == nil || !strings.Contains(err.Error(), `"v.json"`) {
			t.Errorf("%q: err = %v, want an error naming the file", in, err)
		}
	}
}

func FuzzParseIgnoreFile(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "bulkheadignore.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("- id: a\n  reason: b\n  path: '**/x/**'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ig, err := ParseIgnoreFile(data, "fuzz")
		if err != nil {
			return
		}
		for _, e := range ig.Entries {
			if e.ID == "" || e.Reason == "" {
				t.Fatalf("entry without id or reason accepted: %+v", e)
			}
			f := finding.Finding{ID: e.ID, Location: finding.Location{Path: "a/b/c"}}
			_ = e.matches(&f)
		}
	})
}

func BenchmarkApply(b *testing.B) {
	ig, err := LoadIgnoreFile(filepath.Join("testdata", "bulkheadignore.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	v, err := LoadVEX(filepath.Join("testdata", "vex.json"))
	if err != nil {
		b.Fatal(err)
	}
	base := formattest.Large(5000, 2000)
	p := Policy{MinSeverity: finding.Low, IgnoreUnfixed: true, Ignore: ig, VEX: v, Now: now}
	for b.Loop() {
		b.StopTimer()
		r := *base
		r.Findings = append([]finding.Finding(nil), base.Findings...)
		r.Suppressed = nil
		b.StartTimer()
		Apply(&r, p)
	}
}

// ParseVEX parses one OpenVEX JSON document; name is used in messages.
func ParseVEX(data []byte, name string) (*VEXDoc, error) {
	out := &VEXDoc{}
	if err := out.Add(data, name); err != nil {
		return nil, err
	}
	return out, nil
}
