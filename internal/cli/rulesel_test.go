package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/rule"
)

// run runs bulkhead in dir (so that no configuration file of the caller's
// working directory applies) and returns the exit code, stdout and stderr.
func run(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestRulesListEveryScanner(t *testing.T) {
	code, out, errs := run(t, t.TempDir(), "rules", "list", "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rs []rule.Rule
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, r := range rs {
		per[r.Scanner]++
	}
	for _, s := range rule.Scanners() {
		if per[s] == 0 {
			t.Errorf("rules list has no %s rule", s)
		}
	}
	code, out, _ = run(t, t.TempDir(), "rules", "list", "--scanner", "runtime")
	if code != ExitOK || !strings.HasPrefix(out, "SCANNER") || strings.Contains(out, "BH-DF-") || !strings.Contains(out, "bulkhead_rules.yaml:") {
		t.Errorf("--scanner runtime: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, t.TempDir(), "rules", "list", "--scanner", "dockerfile", "--format", "markdown")
	if code != ExitOK || !strings.Contains(out, "| dockerfile | [BH-DF-044](docs/rules/dockerfile/BH-DF-044.md) |") {
		t.Errorf("markdown: exit %d\n%.400s", code, out)
	}
	for _, bad := range [][]string{{"--scanner", "dockerfiel"}, {"--format", "yaml"}} {
		if code, _, _ := run(t, t.TempDir(), append([]string{"rules", "list"}, bad...)...); code != ExitUsage {
			t.Errorf("rules list %v: exit %d, want %d", bad, code, ExitUsage)
		}
	}
}

// TestDisableEnableOnEveryCommand checks that --disable and --enable are
// checked against the catalogue on every scanner command: a typo is a
// usage error naming the closest rule, before anything runs.
func TestDisableEnableOnEveryCommand(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range [][]string{
		{"lint", "Dockerfile"}, {"scan", "fs", "."}, {"scan", "image", "docker:nothing"}, {"scan", "sbom", "x.json"},
		{"audit"}, {"watch", "--sensor", "fallback"},
	} {
		for _, flag := range []string{"--disable", "--enable"} {
			code, _, errs := run(t, dir, append(cmd, flag, "BH-DF-0I0")...)
			if code != ExitUsage || !strings.Contains(errs, "did you mean BH-DF-010?") {
				t.Errorf("%v %s BH-DF-0O8: exit %d, stderr %q; want %d naming BH-DF-010", cmd, flag, code, errs, ExitUsage)
			}
		}
	}
}

func TestLintDisableByIDAliasTag(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"), 0o600)
	ids := func(args ...string) map[string]bool {
		code, out, errs := run(t, dir, append([]string{"lint", "Dockerfile", "--format", "json", "--fail-on", "CRITICAL"}, args...)...)
		if code != ExitOK {
			t.Fatalf("lint %v: exit %d: %s", args, code, errs)
		}
		var r report.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, f := range r.Findings {
			got[f.ID] = true
		}
		return got
	}
	all := ids()
	if !all["BH-DF-010"] || !all["BH-DF-044"] {
		t.Fatalf("the fixture no longer trips BH-DF-010 and BH-DF-044: %v", all)
	}
	if got := ids("--disable", "dl3008", "--disable", "BH-DF-044"); got["BH-DF-010"] || got["BH-DF-044"] || len(got) != len(all)-2 {
		t.Errorf("--disable dl3008 --disable BH-DF-044: %v (all: %v)", got, all)
	}
	if got := ids("--disable", "DL3008", "--enable", "BH-DF-010"); !got["BH-DF-010"] {
		t.Errorf("--enable after --disable did not keep BH-DF-010: %v", got)
	}
}

func TestWatchFormats(t *testing.T) {
	for _, f := range []string{"yaml", "spdx-json-ish"} {
		if code, _, errs := run(t, t.TempDir(), "watch", "--format", f); code != ExitUsage || !strings.Contains(errs, "falco") {
			t.Errorf("watch --format %s: exit %d, %q", f, code, errs)
		}
	}
	var wr watchReport
	for name, stream := range map[string]bool{"falco": true, "text": true, "sarif": false, "json": false, "junit": false} {
		_, s, err := wr.parseFormat(name)
		if err != nil || s != stream {
			t.Errorf("parseFormat(%s) = stream %v, %v; want stream %v", name, s, err, stream)
		}
	}
}

func TestDropDisabled(t *testing.T) {
	r := &report.Report{Findings: []finding.Finding{{ID: "A"}, {ID: "B"}, {ID: "A"}, {ID: "C"}}}
	dropDisabled(r, rule.Selection{Disabled: map[string]bool{"A": true, "C": true}, Enabled: map[string]bool{"C": true}})
	if len(r.Findings) != 2 || r.Findings[0].ID != "B" || r.Findings[1].ID != "C" {
		t.Errorf("findings left: %+v", r.Findings)
	}
}

// TestDisableCustomSecretRule checks that the ids of a --secret-rules file
// are part of the catalogue for --disable.
func TestDisableCustomSecretRule(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte("rules:\n  - id: ACME-API-KEY\n    title: ACME API key\n    severity: high\n    regex: '\\bacme_[a-z0-9]{32}\\b'\n    keywords: [acme_]\n"), 0o600)
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "src", "app.conf"), []byte("key = acme_k3j9x0q2m5v8b1n4c7z6l0p2w9r5t8y1\n"), 0o600)
	count := func(args ...string) int {
		code, out, errs := run(t, dir, append([]string{"scan", "fs", "src", "--scanners", "secret", "--secret-rules", "rules.yaml", "--format", "json"}, args...)...)
		if code != ExitOK {
			t.Fatalf("scan fs %v: exit %d: %s", args, code, errs)
		}
		var r report.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range r.Findings {
			if f.ID == "ACME-API-KEY" {
				n++
			}
		}
		return n
	}
	if count() != 1 {
		t.Fatalf("the custom rule did not fire")
	}
	if n := count("--disable", "acme-api-key"); n != 0 {
		t.Errorf("--disable of a custom secret rule kept %d findings", n)
	}
	if code, _, errs := run(t, dir, "scan", "fs", "src", "--scanners", "secret", "--disable", "ACME-API-KEY"); code != ExitUsage || !strings.Contains(errs, "ACME-API-KEY") {
		t.Errorf("without --secret-rules the id is unknown: exit %d, %q", code, errs)
	}
}
