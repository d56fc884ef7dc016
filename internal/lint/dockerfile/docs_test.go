package dockerfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// aliasSource names the catalogue an alias comes from.
func aliasSource(a string) string {
	switch {
	case strings.HasPrefix(a, "DL"):
		return a + " (hadolint)"
	case strings.HasPrefix(a, "DS-"):
		return a + " (Trivy)"
	case strings.HasPrefix(a, "CIS-"):
		return "CIS Docker Benchmark " + strings.TrimPrefix(a, "CIS-")
	}
	return a
}

// rulePage renders a rule's documentation page from its metadata and its
// test cases, so that the examples on the page are the ones the tests run.
func rulePage(m RuleMeta) (string, error) {
	bad, err := os.ReadFile(filepath.Join("testdata", m.ID, "bad.Dockerfile"))
	if err != nil {
		return "", err
	}
	good, err := os.ReadFile(filepath.Join("testdata", m.ID, "good.Dockerfile"))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n\n", m.ID, m.Title)
	fmt.Fprintf(&b, "| | |\n|---|---|\n| Name | `%s` |\n| Severity | %s |\n", m.Name, m.Severity)
	var aka []string
	for _, a := range m.Aliases {
		aka = append(aka, aliasSource(a))
	}
	if len(aka) == 0 {
		aka = []string{"none"}
	}
	fmt.Fprintf(&b, "| Also known as | %s |\n", strings.Join(aka, ", "))
	auto := "no"
	if m.Fixable {
		auto = "yes (`dockerfile.Fix`)"
	}
	fmt.Fprintf(&b, "| Automatic fix | %s |\n\n", auto)
	fmt.Fprintf(&b, "## What it flags\n\n%s.\n\n", m.Title)
	fmt.Fprintf(&b, "## Why it matters\n\n%s\n\n", m.Description)
	fmt.Fprintf(&b, "## How to fix\n\n%s\n\n", m.Fix)
	if m.Off {
		fmt.Fprintf(&b, "## Off by default\n\nLike hadolint, bulkhead runs this rule only when it is enabled by name: `--enable %s`\n(or its alias), or listed under `override:` in .hadolint.yaml.\n\n", m.ID)
	}
	if cfg, err := os.ReadFile(filepath.Join("testdata", m.ID, "hadolint.yaml")); err == nil {
		fmt.Fprintf(&b, "## Configuration\n\nThe rule needs configuration; the examples below are linted with this .hadolint.yaml:\n\n```yaml\n%s```\n\n", cfg)
	}
	fmt.Fprintf(&b, "## Bad\n\n```dockerfile\n%s```\n\n", bad)
	fmt.Fprintf(&b, "## Good\n\n```dockerfile\n%s```\n\n", good)
	fmt.Fprintf(&b, "## Suppressing\n\nPut `# bulkhead ignore=%s` on the line before the instruction, or\n`# bulkhead ignore-file=%s` anywhere in the Dockerfile; hadolint's\n`# hadolint ignore=` and `# hadolint global ignore=` comments work with the\nrule's DL alias. Or pass `--ignore %s`, or list it under `ignored:` in .hadolint.yaml.\n", m.ID, m.ID, m.ID)
	return b.String(), nil
}

func indexPage(rules []RuleMeta) string {
	var b strings.Builder
	b.WriteString("# Dockerfile rules\n\n")
	b.WriteString("bulkhead's Dockerfile linter (`internal/lint/dockerfile`) checks build practice and security.\n")
	b.WriteString("Every instruction rule runs on fragments too (a file without FROM, as editors and hooks lint\n")
	b.WriteString("them). Rules that judge what ships (USER, HEALTHCHECK, EXPOSE, end-of-life base, some cache\n")
	b.WriteString("cleanups, sshd) look only at the final stage and the stages it is built FROM; the rules with a\n")
	b.WriteString("hadolint alias behave as hadolint documents them.\n")
	b.WriteString("Aliases name the same check in hadolint (DL), Trivy (DS), KICS (query ids) and the CIS Docker\n")
	b.WriteString("Benchmark section 4. Every hadolint DL rule has a bulkhead rule with its DL id as an alias.\n\n")
	b.WriteString("Suppress a rule on one instruction with `# bulkhead ignore=ID[,ID]` or `# hadolint ignore=DL3008`\n")
	b.WriteString("on the line before it, in the whole file with `# bulkhead ignore-file=ID` or\n")
	b.WriteString("`# hadolint global ignore=DL3008`, or for a run with `--ignore ID` (repeatable) or `ignored:` in\n")
	b.WriteString(".hadolint.yaml. Rules marked *off* run only when enabled (`--enable ID`, or `override:` in\n")
	b.WriteString(".hadolint.yaml); rules marked *config* need `trustedRegistries` or `label-schema` there.\n")
	b.WriteString("Rules marked *fix* are repaired by `bulkhead lint --fix` when the repair cannot change the build.\n\n")
	b.WriteString("| ID | Severity | Title | Also known as |\n|---|---|---|---|\n")
	for _, m := range rules {
		title := m.Title
		if m.Fixable {
			title += " *(fix)*"
		}
		if m.Off {
			title += " *(off)*"
		}
		if _, err := os.Stat(filepath.Join("testdata", m.ID, "hadolint.yaml")); err == nil {
			title += " *(config)*"
		}
		fmt.Fprintf(&b, "| [%s](%s.md) | %s | %s | %s |\n", m.ID, m.ID, m.Severity, strings.ReplaceAll(title, "|", "\\|"), strings.Join(m.Aliases, ", "))
	}
	return b.String()
}

// TestDocs keeps docs/rules/dockerfile in step with the rules: one page
// per rule plus an index. Run with -update to regenerate.
func TestDocs(t *testing.T) {
	root := testenv.RepoRoot(t)
	dir := filepath.Join(root, "docs", "rules", "dockerfile")
	files := map[string]string{"README.md": indexPage(Rules())}
	for _, m := range Rules() {
		page, err := rulePage(m)
		if err != nil {
			t.Fatal(err)
		}
		files[m.ID+".md"] = page
	}
	testenv.GoldenDir(t, dir, files, *update)
}
