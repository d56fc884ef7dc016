package dockerfile

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/google/go-cmp/cmp"
)

// idLines renders findings as "ID:line" for compact comparisons.
func idLines(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID+":"+itoa(f.Location.Line))
	}
	return out
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

const pragmaBase = `FROM alpine:3.20@sha256:0000000000000000000000000000000000000000000000000000000000000000
HEALTHCHECK CMD true
USER 1000
`

func TestPragmas(t *testing.T) {
	tests := []struct {
		name, src string
		opts      Options
		want      []string
	}{
		{
			name: "no pragma",
			src:  pragmaBase + "WORKDIR app\nMAINTAINER me\n",
			want: []string{"BH-DF-005:1", "BH-DF-041:4", "BH-DF-046:5"},
		},
		{
			name: "ignore next instruction by id and by alias",
			src:  pragmaBase + "# bulkhead ignore=BH-DF-041\nWORKDIR app\n#bulkhead ignore = DL4000, BH-DF-999\nMAINTAINER me\nWORKDIR other\n",
			want: []string{"BH-DF-005:1", "BH-DF-041:8"},
		},
		{
			name: "ignore applies to the next instruction only, across blank lines and comments",
			src:  pragmaBase + "# bulkhead ignore=BH-DF-041\n\n# why: legacy layout\nWORKDIR app\nWORKDIR again\n",
			want: []string{"BH-DF-005:1", "BH-DF-041:8"},
		},
		{
			name: "ignore-file anywhere",
			src:  pragmaBase + "WORKDIR app\nWORKDIR again\n# bulkhead ignore-file=BH-DF-041,bh-df-005\n",
			want: nil,
		},
		{
			name: "hadolint ignore pragma by DL id",
			src:  pragmaBase + "# hadolint ignore=DL3000\nWORKDIR app\nWORKDIR again\n",
			want: []string{"BH-DF-005:1", "BH-DF-041:6"},
		},
		{
			name: "hadolint global ignore",
			src:  pragmaBase + "WORKDIR app\n# hadolint global ignore=DL3000\nWORKDIR again\n",
			want: []string{"BH-DF-005:1"},
		},
		{
			name: "pragmas disabled by option",
			src:  pragmaBase + "# hadolint ignore=DL3000\nWORKDIR app\n",
			opts: Options{DisableIgnorePragma: true},
			want: []string{"BH-DF-005:1", "BH-DF-041:5"},
		},
		{
			name: "DL1001 is off unless enabled, then flags the pragma line",
			src:  pragmaBase + "# hadolint ignore=DL3000\nWORKDIR app\n",
			opts: Options{Enabled: []string{"DL1001"}},
			want: []string{"BH-DF-005:1", "BH-DF-075:4"},
		},
		{
			name: "disabled by option, id or alias",
			src:  pragmaBase + "WORKDIR app\nMAINTAINER me\n",
			opts: Options{Disabled: []string{"dl3000", "BH-DF-005"}},
			want: []string{"BH-DF-046:5"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Now = testNow
			got, err := Lint("Dockerfile", []byte(tt.src), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, idLines(got)); diff != "" {
				t.Errorf("findings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindingFields(t *testing.T) {
	src := "FROM alpine:3.20@sha256:0000000000000000000000000000000000000000000000000000000000000000\nUSER 1000\nHEALTHCHECK CMD true\nRUN apk add \\\n    curl\n"
	got, err := Lint("app/Dockerfile", []byte(src), Options{Now: testNow, Disabled: []string{"BH-DF-005"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []finding.Finding{
		{
			Kind: finding.Misconfiguration, ID: "BH-DF-016", Aliases: []string{"DL3018"}, Severity: finding.Low,
			Title:       "apk add without version pins",
			Description: "Unpinned: curl. " + rule016.Meta.Description,
			Location:    finding.Location{Path: "app/Dockerfile", Line: 4, EndLine: 5},
			Evidence:    "RUN apk add     curl",
			Fix:         rule016.Meta.Fix,
			References:  []string{"docs/rules/dockerfile/BH-DF-016.md"},
			Source:      Source,
		},
	}
	var only []finding.Finding
	for _, f := range got {
		if f.ID == "BH-DF-016" {
			only = append(only, f)
		}
	}
	if diff := cmp.Diff(want, only); diff != "" {
		t.Errorf("finding mismatch (-want +got):\n%s", diff)
	}
}

func TestSecretRedaction(t *testing.T) {
	src := `FROM alpine:3.20
ARG GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789
ENV DB_PASSWORD=hunter2-is-long APP_ENV=prod
ENV AWS_ACCESS_KEY_ID AKIAZ3MHQJ5PLR7TXW2K
ENV SHORT_SECRET=ab
RUN echo hunter2-is-long > /tmp/p && curl -H "Authorization: token ghp_abcdefghijklmnopqrstuvwxyz0123456789" https://x
`
	got, err := Lint("Dockerfile", []byte(src), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"ghp_abcdefghijklmnopqrstuvwxyz0123456789", "hunter2-is-long", "AKIAZ3MHQJ5PLR7TXW2K", "SHORT_SECRET=ab"}
	var ev []string
	for _, f := range got {
		for _, s := range secrets {
			if strings.Contains(f.Evidence, s) || strings.Contains(f.Description, s) || strings.Contains(f.Title, s) {
				t.Errorf("%s at line %d shows secret %q: %q / %q", f.ID, f.Location.Line, s, f.Evidence, f.Description)
			}
		}
		if f.ID == "BH-DF-038" {
			ev = append(ev, f.Evidence)
		}
	}
	want := []string{
		"ARG GITHUB_TOKEN=ghp_****",
		"ENV DB_PASSWORD=hun**** APP_ENV=prod",
		"ENV AWS_ACCESS_KEY_ID=AKIA****",
		"ENV SHORT_SECRET=****",
	}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("secret evidence mismatch (-want +got):\n%s", diff)
	}
}

func TestEmptyAndCommentOnly(t *testing.T) {
	for _, src := range []string{"", "# just a comment\n", "\n\n"} {
		_, err := Lint("Dockerfile", []byte(src), Options{Now: testNow})
		if err == nil || !strings.Contains(err.Error(), `"Dockerfile"`) {
			t.Errorf("Lint(%q) error = %v, want an error naming the file", src, err)
		}
	}
}

func TestIsDockerfile(t *testing.T) {
	tests := map[string]bool{
		"Dockerfile": true, "a/b/Dockerfile": true, "dockerfile": true, "Containerfile": true,
		"Dockerfile.dev": true, "api.Dockerfile": true, `win\dir\Dockerfile`: true, "build.dockerfile": true,
		"Dockerfile.dockerignore": false, ".dockerignore": false, "Dockerfiles/README.md": false, "docker-compose.yml": false,
	}
	for p, want := range tests {
		if got := IsDockerfile(p); got != want {
			t.Errorf("IsDockerfile(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestLintFile(t *testing.T) {
	got, err := LintFile("testdata/BH-DF-046/bad.Dockerfile", Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if count(got, "BH-DF-046") != 1 || got[0].Location.Path != "testdata/BH-DF-046/bad.Dockerfile" {
		t.Errorf("LintFile = %v", idLines(got))
	}
	if _, err := LintFile("testdata/missing.Dockerfile", Options{}); err == nil {
		t.Error("LintFile of a missing file: nil error")
	}
}

// TestConcurrentLint runs Lint from many goroutines; run with -race.
func TestConcurrentLint(t *testing.T) {
	src, err := os.ReadFile("testdata/golden/legacy-centos.Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Lint("Dockerfile", src, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := Lint("Dockerfile", src, Options{Now: testNow})
			if err != nil {
				errs <- err.Error()
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				errs <- diff
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestUnknownRules(t *testing.T) {
	got := UnknownRules([]string{"BH-DF-001", "bh-df-046", "DL3008", "ds-0002", "all", "BH-DF-999", "DL9999"})
	if diff := cmp.Diff([]string{"BH-DF-999", "DL9999"}, got); diff != "" {
		t.Errorf("UnknownRules mismatch (-want +got):\n%s", diff)
	}
}
