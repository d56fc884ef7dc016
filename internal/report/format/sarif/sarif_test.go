package sarif_test

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/formattest"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/sarif"
)

func TestGolden(t *testing.T) {
	for name, r := range map[string]*report.Report{"image.sarif": formattest.Report(), "fs.sarif": formattest.Filesystem()} {
		var buf bytes.Buffer
		if err := sarif.Write(&buf, r, sarif.Options{}); err != nil {
			t.Fatal(err)
		}
		formattest.Golden(t, name, buf.Bytes())
	}
}

// log is what GitHub code scanning requires of an upload, read back
// independently of the writer's own types.
type log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID               string `json:"id"`
					ShortDescription struct {
						Text string `json:"text"`
					} `json:"shortDescription"`
					HelpURI    string `json:"helpUri"`
					Properties struct {
						SecuritySeverity string   `json:"security-severity"`
						Tags             []string `json:"tags"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []struct {
					Name string `json:"name"`
					Kind string `json:"kind"`
				} `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
		} `json:"results"`
	} `json:"runs"`
}

func TestCodeScanningShape(t *testing.T) {
	var buf bytes.Buffer
	if err := sarif.Write(&buf, formattest.Report(), sarif.Options{}); err != nil {
		t.Fatal(err)
	}
	var l log
	if err := json.Unmarshal(buf.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	if l.Version != "2.1.0" || len(l.Runs) != 1 || l.Runs[0].Tool.Driver.Name != "bulkhead" {
		t.Fatalf("version %q, %d runs: want 2.1.0 with one bulkhead run", l.Version, len(l.Runs))
	}
	run := l.Runs[0]
	for _, ru := range run.Tool.Driver.Rules {
		if _, err := strconv.ParseFloat(ru.Properties.SecuritySeverity, 64); err != nil {
			t.Errorf("rule %s: security-severity %q is not a number", ru.ID, ru.Properties.SecuritySeverity)
		}
		if ru.ShortDescription.Text == "" {
			t.Errorf("rule %s: no shortDescription", ru.ID)
		}
	}
	type row struct {
		Rule, Level, URI string
		Line             int
		Logical          string
	}
	var got []row
	fps := map[string]bool{}
	for _, res := range run.Results {
		if res.RuleIndex < 0 || res.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s: ruleIndex %d does not point at its rule", res.RuleID, res.RuleIndex)
		}
		if len(res.Locations) != 1 {
			t.Fatalf("result %s: %d locations, want 1", res.RuleID, len(res.Locations))
		}
		fp := res.PartialFingerprints["bulkheadFindingKey/v1"]
		if fp == "" || fps[fp] {
			t.Errorf("result %s: fingerprint %q empty or repeated", res.RuleID, fp)
		}
		fps[fp] = true
		loc := res.Locations[0]
		r := row{Rule: res.RuleID, Level: res.Level, URI: loc.PhysicalLocation.ArtifactLocation.URI}
		if loc.PhysicalLocation.Region != nil {
			r.Line = loc.PhysicalLocation.Region.StartLine
		}
		if len(loc.LogicalLocations) > 0 {
			r.Logical = loc.LogicalLocations[0].Kind + ":" + loc.LogicalLocations[0].Name
		}
		got = append(got, r)
	}
	target := "registry.example.com%2Fshop%2Fweb:1.4"
	want := []row{
		// Known exploited (KEV) first.
		{Rule: "GHSA-jfh8-c2jp-5v3q", Level: "error", URI: "app/lib/log4j-core-2.14.1.jar"},
		{Rule: "BH-SEC-aws-access-key", Level: "error", URI: "root/.aws/credentials", Line: 2},
		{Rule: "2.2", Level: "error", URI: target, Logical: "object:daemon: icc"},
		{Rule: "BH-IMG-001", Level: "error", URI: target, Logical: "member:config.User"},
		{Rule: "BH-RT-shell-in-container", Level: "error", URI: target, Logical: "container:web-1"},
		{Rule: "BH-DF-003", Level: "warning", URI: "Dockerfile", Line: 1},
		{Rule: "CVE-2024-0727", Level: "warning", URI: "var/lib/dpkg/status"},
		{Rule: "2.14", Level: "note", URI: target, Logical: "object:daemon: live-restore"},
		{Rule: "CVE-2020-28500", Level: "note", URI: "app/node_modules/lodash/package.json"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

// TestScannerFailureIsNotification: a scanner that could not run is a
// tool execution notification and the run is not successful, so code
// scanning never shows a clean image for a scan that did not happen.
func TestScannerFailureIsNotification(t *testing.T) {
	r := formattest.Filesystem()
	r.Findings = nil
	r.Scanners = []report.ScannerStatus{{Name: "vulnerability", State: report.StateFailed, Reason: "no vulnerability database"}}
	var buf bytes.Buffer
	if err := sarif.Write(&buf, r, sarif.Options{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
				Notifications       []struct {
					Level   string `json:"level"`
					Message struct {
						Text string `json:"text"`
					} `json:"message"`
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	inv := doc.Runs[0].Invocations
	if len(inv) != 1 || inv[0].ExecutionSuccessful || len(inv[0].Notifications) != 1 ||
		inv[0].Notifications[0].Level != "error" || !strings.Contains(inv[0].Notifications[0].Message.Text, "no vulnerability database") {
		t.Errorf("invocations = %+v", inv)
	}
}

// TestKEVAndEPSSProperties: a result carries KEV, EPSS and the severity's
// source.
func TestKEVAndEPSSProperties(t *testing.T) {
	var buf bytes.Buffer
	if err := sarif.Write(&buf, formattest.Report(), sarif.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kev": true`, `"kevDateAdded": "2021-12-10"`, `"epssScore": 0.94358`, `"severitySource": "osv:GHSA-jfh8-c2jp-5v3q CVSS_V3"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("no %s in the SARIF", want)
		}
	}
}
