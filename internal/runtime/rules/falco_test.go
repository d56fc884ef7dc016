package rules

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// TestLoadFalcoStable loads Falco's stable rule file, the compatibility
// target, and pins how much of it bulkhead runs.
func TestLoadFalcoStable(t *testing.T) {
	dir := testenv.SharedDir(t, "reference")
	src, err := ReadFile(filepath.Join(dir, "falco", "falco_rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	set, warns, err := Load(src)
	if err != nil {
		t.Fatal(err)
	}
	// Every list and macro parses.
	for _, w := range warns {
		if strings.HasPrefix(w.Item, "macro ") || strings.HasPrefix(w.Item, "list ") {
			t.Errorf("list/macro problem: %s", w)
		}
	}
	l := &loader{lists: map[string]*listDef{}, macros: map[string]*macroDef{}, rules: map[string]*ruleDef{}}
	if err := l.loadFile(src); err != nil {
		t.Fatal(err)
	}
	var macroUnsupported []string
	k := newCompiler(l.lists, l.macros)
	for _, name := range sortedKeys(l.macros) {
		m := l.macros[name]
		if m.ast, m.parseErr = parseCondition(m.cond); m.parseErr != nil {
			t.Errorf("macro %q does not parse: %v", name, m.parseErr)
		}
	}
	for _, name := range sortedKeys(l.macros) {
		if _, err := k.compile(macroRef{name: name}); err != nil {
			macroUnsupported = append(macroUnsupported, name)
		}
	}
	rules := set.Rules()
	var enabled int
	disabled := map[string]string{}
	for _, r := range rules {
		if r.Enabled {
			enabled++
		} else {
			disabled[r.Name] = r.Disabled
		}
	}
	t.Logf("falco_rules.yaml: %d lists, %d macros (%d compile; %v need unsupported fields), %d rules, %d enabled and compiled",
		len(l.lists), len(l.macros), len(l.macros)-len(macroUnsupported), macroUnsupported, len(rules), enabled)
	for name, why := range disabled {
		t.Logf("not run: %q: %s", name, why)
	}
	sort.Strings(macroUnsupported)
	got := []any{len(l.lists), len(l.macros), len(rules), enabled, macroUnsupported, disabled}
	want := []any{49, 87, 25, 25, []string(nil), map[string]string{}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("falco_rules.yaml counts (-want +got):\n%s", diff)
	}
	// fd.sip.name: the one name the file compares it with is resolved at run time
	if diff := cmp.Diff([]string{"kubernetes.default.svc.cluster.local"}, set.Names()); diff != "" {
		t.Errorf("names to resolve (-want +got):\n%s", diff)
	}
}
