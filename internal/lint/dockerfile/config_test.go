package dockerfile

import (
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/google/go-cmp/cmp"
)

func TestParseConfig(t *testing.T) {
	c, err := ParseConfig([]byte(`# a hadolint configuration, with keys bulkhead does not read
format: tty
ignored: [DL3008, SC2086]
trustedRegistries: [docker.io, my.registry:5000]
label-schema:
  author: text
  url: url
strict-labels: true
failure-threshold: warning
override:
  info: [DL3066]
  error: [DL1001]
disable-ignore-pragma: true
`))
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Ignored:             []string{"DL3008", "SC2086"},
		Enabled:             []string{"DL1001", "DL3066"},
		TrustedRegistries:   []string{"docker.io", "my.registry:5000"},
		LabelSchema:         map[string]string{"author": "text", "url": "url"},
		StrictLabels:        true,
		FailureThreshold:    finding.Medium,
		DisableIgnorePragma: true,
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("config mismatch (-want +got):\n%s", diff)
	}
	var opts Options
	c.Apply(&opts)
	got, err := Lint("Dockerfile", []byte("# hadolint ignore=DL3066\nFROM alpine:3.20\nUSER app\nRUN apt-get install -y curl\n"), opts)
	if err != nil {
		t.Fatal(err)
	}
	var fired []string
	for _, f := range got {
		fired = append(fired, f.ID)
	}
	s := strings.Join(fired, " ")
	// DL3066 is enabled by override and the pragma is disabled; DL1001 is
	// enabled; DL3008 is ignored.
	if !strings.Contains(s, "BH-DF-086") || !strings.Contains(s, "BH-DF-075") || strings.Contains(s, "BH-DF-010") {
		t.Errorf("findings %v", fired)
	}

	for src, want := range map[string]string{
		"label-schema: {a: number}\n":  "label-schema.a",
		"failure-threshold: fatal\n":   "failure-threshold",
		"override: {loud: [DL3000]}\n": "override.loud",
		"ignored: 5\n":                 "hadolint config",
	} {
		if _, err := ParseConfig([]byte(src)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseConfig(%q) = %v, want an error naming %q", src, err, want)
		}
	}
	for src, sev := range map[string]finding.Severity{"failure-threshold: error\n": finding.High, "failure-threshold: style\n": finding.Info, "": finding.Unknown} {
		c, err := ParseConfig([]byte(src))
		if err != nil || c.FailureThreshold != sev {
			t.Errorf("ParseConfig(%q) = %+v, %v; want threshold %s", src, c, err, sev)
		}
	}
	if c, _ := ParseConfig([]byte("failure-threshold: none\n")); !c.NoFail {
		t.Error("failure-threshold: none does not turn failing off")
	}
}

func TestFragmentsGetInstructionRules(t *testing.T) {
	got, err := Lint("Dockerfile.part", []byte("RUN apt-get install curl\nUSER root\nWORKDIR app\n"), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range got {
		have[f.ID] = true
	}
	for _, id := range []string{"BH-DF-067", "BH-DF-008", "BH-DF-010", "BH-DF-001", "BH-DF-041"} {
		if !have[id] {
			t.Errorf("%s did not fire on a fragment; got %v", id, ids(got))
		}
	}
	// Nothing about a FROM that is not there.
	for _, id := range []string{"BH-DF-091", "BH-DF-044", "BH-DF-002"} {
		if have[id] {
			t.Errorf("%s fired on a fragment without FROM", id)
		}
	}
}

func TestLooksLikeDockerfile(t *testing.T) {
	for src, want := range map[string]bool{
		"FROM debian:12\n":                           true,
		"# syntax=docker/dockerfile:1\n\nrun make\n": true,
		"services:\n  web: {}\n":                     false,
		"from\n":                                     false,
		"Hello world\n":                              false,
		"":                                           false,
	} {
		if got := LooksLikeDockerfile([]byte(src)); got != want {
			t.Errorf("LooksLikeDockerfile(%q) = %v, want %v", src, got, want)
		}
	}
}
