package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

const baseFile = `
- required_engine_version: 0.57.0
- required_plugin_versions:
    - name: container
      version: 0.4.0
- list: shells
  items: [bash]
- macro: is_shell
  condition: proc.name in (shells)
- rule: Shell
  desc: a shell
  condition: evt.type = execve and is_shell
  output: shell %proc.name
  priority: NOTICE
  tags: [one]
`

func load(t *testing.T, files ...string) (*Set, []Warning) {
	t.Helper()
	var srcs []Source
	for i, f := range files {
		srcs = append(srcs, Source{Name: "f" + string(rune('0'+i)) + ".yaml", Data: []byte(f)})
	}
	set, warns, err := Load(srcs...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return set, warns
}

func firedNames(set *Set, e *event.Event) []string {
	var got []string
	set.Eval(e, func(a Alert) { got = append(got, a.Rule+"/"+a.Priority.String()) })
	return got
}

func shellExec(name, parent string) *event.Event {
	return execEv(nil, proc(name, []string{"-x"}, parent))
}

func TestAppendAndOverride(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		ev    *event.Event
		want  []string
	}{
		{"base", ``, shellExec("bash", "init"), []string{"Shell/Notice"}},
		{"base: zsh is not a shell", ``, shellExec("zsh", "init"), nil},
		{"legacy list append", "- list: shells\n  items: [zsh]\n  append: true\n", shellExec("zsh", "init"), []string{"Shell/Notice"}},
		{"override list append", "- list: shells\n  items: [zsh]\n  override:\n    items: append\n", shellExec("zsh", "init"), []string{"Shell/Notice"}},
		{"override list replace", "- list: shells\n  items: [zsh]\n  override:\n    items: replace\n", shellExec("bash", "init"), nil},
		{"list redefinition", "- list: shells\n  items: [fish]\n", shellExec("fish", "init"), []string{"Shell/Notice"}},
		{"macro append", "- macro: is_shell\n  condition: or proc.name = ksh\n  append: true\n", shellExec("ksh", "init"), []string{"Shell/Notice"}},
		{"macro override replace", "- macro: is_shell\n  condition: proc.name = ksh\n  override:\n    condition: replace\n", shellExec("bash", "init"), nil},
		{"rule legacy append", "- rule: Shell\n  condition: and proc.pname != sshd\n  append: true\n", shellExec("bash", "sshd"), nil},
		{"rule override condition append", "- rule: Shell\n  condition: and proc.pname != sshd\n  override:\n    condition: append\n", shellExec("bash", "sshd"), nil},
		{"rule override priority", "- rule: Shell\n  priority: CRITICAL\n  override:\n    priority: replace\n", shellExec("bash", "init"), []string{"Shell/Critical"}},
		{"rule disabled by toggle", "- rule: Shell\n  enabled: false\n", shellExec("bash", "init"), nil},
		{"rule disabled by override", "- rule: Shell\n  enabled: false\n  override:\n    enabled: replace\n", shellExec("bash", "init"), nil},
		{"rule redefinition", "- rule: Shell\n  desc: d\n  condition: evt.type = execve and proc.name = zsh\n  output: o\n  priority: ERROR\n", shellExec("zsh", "init"), []string{"Shell/Error"}},
		{"disabled in file, enabled later", "- rule: Shell\n  enabled: false\n- rule: Shell\n  enabled: true\n", shellExec("bash", "init"), []string{"Shell/Notice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := []string{baseFile}
			if tc.extra != "" {
				files = append(files, tc.extra)
			}
			set, warns := load(t, files...)
			for _, w := range warns {
				t.Errorf("warning: %s", w)
			}
			if diff := cmp.Diff(tc.want, firedNames(set, tc.ev)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOverrideTagsOutput(t *testing.T) {
	set, warns := load(t, baseFile, `
- rule: Shell
  output: (more)
  tags: [two]
  override:
    output: append
    tags: append
`)
	if len(warns) != 0 {
		t.Fatalf("warnings: %v", warns)
	}
	var a Alert
	set.Eval(shellExec("bash", "x"), func(x Alert) { a = x })
	if diff := cmp.Diff([]any{"shell bash (more)", []string{"one", "two"}}, []any{a.Output, a.Tags}); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

const exceptionRule = `
- list: trusted
  items: [tini, dumb-init]
- rule: Shell
  desc: d
  condition: evt.type = execve and proc.name in (bash, sh)
  output: o
  priority: WARNING
  exceptions:
    - name: parent_and_cwd
      fields: [proc.pname, proc.cwd]
      comps: [=, startswith]
      values:
        - [cron, /var/spool]
    - name: parents
      fields: proc.pname
      values: [trusted, supervisord]
    - name: grandparent_in
      fields: ["proc.aname[2]"]
      comps: [in]
      values:
        - [[runsv, s6-supervise]]
`

func TestExceptions(t *testing.T) {
	withCwd := func(e *event.Event, cwd string) *event.Event { e.Process.Cwd = cwd; return e }
	tests := []struct {
		name  string
		extra string
		ev    *event.Event
		want  bool
	}{
		{"no exception applies", "", shellExec("bash", "nginx"), true},
		{"tuple matches", "", withCwd(shellExec("bash", "cron"), "/var/spool/cron"), false},
		{"tuple half matches", "", withCwd(shellExec("bash", "cron"), "/home"), true},
		{"scalar field, list name value", "", shellExec("sh", "tini"), false},
		{"scalar field, plain value", "", execEv(nil, proc("sh", nil, "supervisord")), false},
		{"list value in a tuple", "", execEv(nil, proc("sh", nil, "run", "s6-supervise")), false},
		{"appended exception values", "- rule: Shell\n  exceptions:\n    - name: parents\n      values: [nginx]\n  override:\n    exceptions: append\n",
			shellExec("bash", "nginx"), false},
		{"legacy append exceptions", "- rule: Shell\n  exceptions:\n    - name: parents\n      values: [nginx]\n  append: true\n",
			shellExec("bash", "nginx"), false},
		{"new exception by append", "- rule: Shell\n  exceptions:\n    - name: by_name\n      fields: [proc.name]\n      values: [[bash]]\n  override:\n    exceptions: append\n",
			shellExec("bash", "nginx"), false},
		{"replaced exceptions", "- rule: Shell\n  exceptions:\n    - name: x\n      fields: [proc.name]\n      values: [[zsh]]\n  override:\n    exceptions: replace\n",
			shellExec("sh", "tini"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := []string{exceptionRule}
			if tc.extra != "" {
				files = append(files, tc.extra)
			}
			set, warns := load(t, files...)
			for _, w := range warns {
				t.Errorf("warning: %s", w)
			}
			if got := len(firedNames(set, tc.ev)) > 0; got != tc.want {
				t.Errorf("fired = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMalformedItems checks that each broken item is named with its file and
// line and that the rest of the file still loads.
func TestMalformedItems(t *testing.T) {
	src := `
- list: ok_list
  items: [a]
- just a string
- rule: No condition
  output: o
  priority: INFO
- rule: Bad priority
  condition: evt.type = execve
  output: o
  priority: LOUD
- rule: Bad condition
  condition: evt.type = execve and (
  output: o
  priority: INFO
- rule: Unsupported field
  condition: evt.type = execve and proc.env contains X
  output: o
  priority: INFO
- macro: broken_macro
  condition: proc.name = = x
- rule: Uses broken macro
  condition: evt.type = execve and broken_macro
  output: o
  priority: INFO
- rule: Appends to nothing
  condition: and x
  append: true
- rule: Both append and override
  condition: x
  append: true
  override:
    condition: append
- rule: Condition is a mapping
  condition: {a: b}
  output: o
  priority: INFO
- rule: Bad exception
  condition: evt.type = execve
  output: o
  priority: INFO
  exceptions:
    - name: e
      fields: [proc.name, proc.pname]
      values: [[a]]
- rule: Other source
  condition: ka.verb = create
  output: o
  priority: INFO
  source: k8s_audit
- rule: Good
  desc: loads despite the rest
  condition: evt.type = execve and proc.name in (ok_list)
  output: o %proc.name %proc.nosuch
  priority: INFO
  frobnicate: yes
- bogus: 1
`
	set, warns := load(t, src)
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	want := []string{
		`f0.yaml:4: error: item is a scalar, want a mapping with rule, macro or list`,
		`f0.yaml:5: error: rule "No condition": rule has no condition; skipped`,
		`f0.yaml:8: error: rule "Bad priority": unknown priority "LOUD" (want one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG); skipped`,
		`f0.yaml:26: error: rule "Appends to nothing": appends to or overrides a rule that is not defined; skipped`,
		`f0.yaml:29: error: rule "Both append and override": append and override cannot be used together; skipped`,
		`f0.yaml:34: error: rule "Condition is a mapping": malformed: yaml: unmarshal errors:
  line 35: cannot unmarshal !!map into string; skipped`,
		`f0.yaml:51: warning: rule "Good": unknown key "frobnicate" ignored`,
		`f0.yaml:57: error: item has none of rule, macro, list, required_engine_version, required_plugin_versions; skipped`,
		`f0.yaml:20: error: macro "broken_macro": condition does not parse: at offset 12: proc.name = needs a value, got "="`,
		`f0.yaml:12: error: rule "Bad condition": disabled: condition does not parse: at offset 23: the condition ends where an expression was expected`,
		`f0.yaml:16: error: rule "Unsupported field": disabled: needs field "proc.env": field not supported by bulkhead`,
		`f0.yaml:22: error: rule "Uses broken macro": disabled: condition: macro "broken_macro": at offset 12: proc.name = needs a value, got "="`,
		`f0.yaml:38: error: rule "Bad exception": disabled: exception "e": line 45: 1 values for 2 fields`,
		`f0.yaml:46: warning: rule "Other source": disabled: source "k8s_audit" is not supported (bulkhead evaluates syscall rules)`,
		`f0.yaml:51: warning: rule "Good": output fields bulkhead cannot fill render as <NA>: proc.nosuch`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	var a Alert
	set.Eval(execEv(nil, proc("a", nil, "x")), func(x Alert) { a = x })
	if a.Rule != "Good" || a.Output != "o a <NA>" {
		t.Errorf("alert = %q %q, want rule Good with output %q", a.Rule, a.Output, "o a <NA>")
	}
	var enabled []string
	for _, r := range set.Rules() {
		if r.Enabled {
			enabled = append(enabled, r.Name)
		}
	}
	if diff := cmp.Diff([]string{"Good"}, enabled); diff != "" {
		t.Errorf("enabled rules (-want +got):\n%s", diff)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, src := range []string{"a: b\n", "- [unclosed\n", "just text\n"} {
		_, _, err := Load(Source{Name: "bad.yaml", Data: []byte(src)})
		if err == nil || !strings.Contains(err.Error(), `"bad.yaml"`) {
			t.Errorf("Load(%q) error = %v, want one naming the file", src, err)
		}
	}
	if _, _, err := Load(Source{Name: "empty.yaml"}); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.yaml")
	if err := os.WriteFile(p, []byte(baseFile+"- rule: Bad\n  condition: evt.type = execve and proc.env = x\n  output: o\n  priority: INFO\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := Check(p)
	if err != nil {
		t.Fatal(err)
	}
	got := []any{rep.Lists, rep.Macros, rep.Rules, rep.Enabled, rep.Disabled, rep.Errors(), rep.OK()}
	if diff := cmp.Diff([]any{1, 1, 2, 1, 1, 1, false}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := Check(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("Check of a missing file succeeded")
	}
}

func TestHostileLists(t *testing.T) {
	// Each list names the next one 30 times and the last is empty: a naive
	// expansion would visit 30^8 entries.
	src := "- list: l8\n  items: []\n"
	for i := 7; i >= 0; i-- {
		items := strings.TrimSuffix(strings.Repeat("l"+string(rune('1'+i))+", ", 30), ", ")
		src += "- list: l" + string(rune('0'+i)) + "\n  items: [" + items + "]\n"
	}
	src += "- rule: r\n  condition: evt.type = execve and proc.name in (l0)\n  output: o\n  priority: INFO\n"
	set, _ := load(t, src)
	if r := set.Rules()[0]; r.Enabled || !strings.Contains(r.Disabled, "steps") {
		t.Errorf("rule = enabled %v, disabled %q; want it disabled for the list expansion", r.Enabled, r.Disabled)
	}
}
