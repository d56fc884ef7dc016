package dockerfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/rule/ruledoc"
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

// docSet is how the Dockerfile rules' pages read; the examples on each
// page are the test cases the tests run.
var docSet = ruledoc.Set{
	Index: "# Dockerfile rules\n\n" +
		"bulkhead's Dockerfile linter (`internal/lint/dockerfile`) checks build practice and security.\n" +
		"Every instruction rule runs on fragments too (a file without FROM, as editors and hooks lint\n" +
		"them). Rules that judge what ships (USER, HEALTHCHECK, EXPOSE, end-of-life base, some cache\n" +
		"cleanups, sshd) look only at the final stage and the stages it is built FROM; the rules with a\n" +
		"hadolint alias behave as hadolint documents them.\n" +
		"Aliases name the same check in hadolint (DL), Trivy (DS), KICS (query ids) and the CIS Docker\n" +
		"Benchmark section 4. Every hadolint DL rule has a bulkhead rule with its DL id as an alias.\n\n" +
		"Suppress a rule on one instruction with `# bulkhead ignore=ID[,ID]` or `# hadolint ignore=DL3008`\n" +
		"on the line before it, in the whole file with `# bulkhead ignore-file=ID` or\n" +
		"`# hadolint global ignore=DL3008`, or for a run with `--ignore ID` (repeatable) or `ignored:` in\n" +
		".hadolint.yaml. Rules marked *off* run only when enabled (`--enable ID`, or `override:` in\n" +
		".hadolint.yaml); rules marked *config* need `trustedRegistries` or `label-schema` there.\n" +
		"Rules marked *fix* are repaired by `bulkhead lint --fix` when the repair cannot change the build.\n\n",
	AKA: func(aliases []string) (string, error) {
		var aka []string
		for _, a := range aliases {
			aka = append(aka, aliasSource(a))
		}
		return strings.Join(aka, ", "), nil
	},
	Marks: func(m RuleMeta) string {
		marks := ""
		if m.Fixable {
			marks += " *(fix)*"
		}
		if m.Off {
			marks += " *(off)*"
		}
		if _, err := os.Stat(filepath.Join("testdata", m.ID, "hadolint.yaml")); err == nil {
			marks += " *(config)*"
		}
		return marks
	},
	Rows: func(m RuleMeta) string {
		auto := "no"
		if m.Fixable {
			auto = "yes (`dockerfile.Fix`)"
		}
		return fmt.Sprintf("| Automatic fix | %s |\n", auto)
	},
	Sections: func(m RuleMeta) (string, error) {
		bad, err := os.ReadFile(filepath.Join("testdata", m.ID, "bad.Dockerfile"))
		if err != nil {
			return "", err
		}
		good, err := os.ReadFile(filepath.Join("testdata", m.ID, "good.Dockerfile"))
		if err != nil {
			return "", err
		}
		var b strings.Builder
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
	},
}

// TestDocs keeps docs/rules/dockerfile in step with the rules: one page
// per rule plus an index. Run with -update to regenerate.
func TestDocs(t *testing.T) {
	root := testenv.RepoRoot(t)
	dir := filepath.Join(root, "docs", "rules", "dockerfile")
	files, err := docSet.Render(Rules())
	if err != nil {
		t.Fatal(err)
	}
	testenv.GoldenDir(t, dir, files, *update)
}
