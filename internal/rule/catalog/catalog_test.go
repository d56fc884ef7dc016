package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/audit"
	"github.com/bulkhead-sec/bulkhead/internal/rule"
	"github.com/bulkhead-sec/bulkhead/internal/runtime/rules"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

func defaultSet(t *testing.T) *rules.Set {
	t.Helper()
	set, _, err := rules.Load(rules.Default())
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestEveryScannerCatalogued checks that the catalogue holds every rule of
// every scanner, once, with a scanner, title, severity and a doc page that
// exists.
func TestEveryScannerCatalogued(t *testing.T) {
	root := testenv.RepoRoot(t)
	set := defaultSet(t)
	c := Build(set)
	want := map[string]int{
		rule.ScannerSecret:  len(secret.Builtins()),
		rule.ScannerAudit:   len(audit.Checks()),
		rule.ScannerRuntime: len(set.Rules()),
	}
	seen := map[string]string{}
	for _, s := range rule.Scanners() {
		rs := c.Rules(s)
		if len(rs) == 0 {
			t.Errorf("no %s rules in the catalogue", s)
		}
		if n, ok := want[s]; ok && len(rs) != n {
			t.Errorf("%s: %d rules catalogued, the scanner has %d", s, len(rs), n)
		}
		for _, r := range rs {
			k := strings.ToUpper(r.ID)
			if prev, dup := seen[k]; dup {
				t.Errorf("id %s is both a %s and a %s rule", r.ID, prev, s)
			}
			seen[k] = s
			if r.Scanner != s || r.Title == "" || r.Doc == "" {
				t.Errorf("%s rule %s: scanner %q, title %q, doc %q", s, r.ID, r.Scanner, r.Title, r.Doc)
			}
			doc, _, _ := strings.Cut(r.Doc, "#")
			if _, err := os.Stat(filepath.Join(root, doc)); err != nil {
				t.Errorf("%s: doc page: %v", r.ID, err)
			}
		}
	}
	if len(c.Rules("")) != len(seen) {
		t.Errorf("catalogue has %d rules, scanners %d", len(c.Rules("")), len(seen))
	}
}

func TestAdapters(t *testing.T) {
	a := Audit(audit.CheckMeta{ID: "5.4", Title: "t", Section: 5, Level: 1, Scope: audit.ScopeContainer})
	if len(a.Aliases) != 1 || a.Aliases[0] != "CIS-DOCKER-5.4" || !strings.Contains(strings.Join(a.Tags, ","), "level1") || a.Description == "" {
		t.Errorf("audit adapter: %+v", a)
	}
	src := rules.Source{Name: "r.yaml", Data: []byte("- rule: Off rule\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: WARNING\n  enabled: false\n  tags: [t1]\n")}
	set, _, err := rules.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	r := Runtime(set.Rules()[0])
	if r.ID != "Off rule" || !r.Off || !strings.HasPrefix(r.State, "disabled") || r.Tags[0] != "t1" || r.References[0] != "r.yaml:1" {
		t.Errorf("runtime adapter: %+v", r)
	}
	sel, err := Build(set).Select(nil, []string{"t1"})
	if err != nil {
		t.Fatal(err)
	}
	if cannot := set.Select(sel.Off, func(n string) bool { return sel.Enabled[n] }); len(cannot) != 0 || !set.Rules()[0].Enabled {
		t.Errorf("--enable of an enabled: false rule: cannot %v, enabled %v", cannot, set.Rules()[0].Enabled)
	}
}
