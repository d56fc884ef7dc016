package rules

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

// macroBomb is sixty macros each "(m_prev or m_prev)": as a tree the rule's
// condition has 2^60 leaves.
func macroBomb(leaf string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- macro: m0\n  condition: %s\n", leaf)
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&b, "- macro: m%d\n  condition: (m%d or m%d)\n", i, i-1, i-1)
	}
	b.WriteString("- rule: bomb\n  desc: d\n  condition: evt.type = execve and m60\n  output: o %proc.name\n  priority: WARNING\n")
	return b.String()
}

// evalGuard runs fn and fails the test if it does not return: a tree
// evaluation of the bomb would run for centuries.
func evalGuard(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("evaluation did not finish: the macro DAG is evaluated as a tree")
	}
}

// TestMacroBombIsShared: the bomb loads, is accepted by Check, and an event
// evaluates each macro once, true and false alike, across events that reuse
// the pooled evaluation state.
func TestMacroBombIsShared(t *testing.T) {
	src := macroBomb("proc.name = x")
	rep, err := CheckSources(Source{Name: "bomb.yaml", Data: []byte(src)})
	if err != nil || !rep.OK() || rep.Enabled != 1 {
		t.Fatalf("Check: %+v, %v; want OK with the rule enabled", rep, err)
	}
	set, _ := load(t, src)
	evalGuard(t, func() {
		for i := 0; i < 200; i++ {
			name := "y"
			if i%3 == 0 {
				name = "x"
			}
			got := firedNames(set, shellExec(name, "sh"))
			if want := name == "x"; (len(got) == 1) != want {
				t.Errorf("event %d (proc.name %s): fired %v, want %v", i, name, got, want)
			}
		}
	})
}

// TestSharedMacroMemoPerEvent: a macro shared by two rules and referenced
// twice by one gets a memo slot; its value is per event, never carried over.
func TestSharedMacroMemoPerEvent(t *testing.T) {
	set, _ := load(t, `
- macro: sh
  condition: proc.name = sh
- macro: root
  condition: user.uid = 0
- rule: a
  desc: d
  condition: evt.type = execve and sh and (root or sh)
  output: o
  priority: WARNING
- rule: b
  desc: d
  condition: evt.type = execve and not sh
  output: o
  priority: WARNING
`)
	if set.slots != 1 {
		t.Errorf("memo slots = %d, want 1 (only the macro used more than once)", set.slots)
	}
	for i, tc := range []struct {
		name string
		want string
	}{{"sh", "a/Warning"}, {"ls", "b/Warning"}, {"sh", "a/Warning"}, {"bash", "b/Warning"}} {
		got := strings.Join(firedNames(set, shellExec(tc.name, "x")), ",")
		if got != tc.want {
			t.Errorf("event %d (%s): fired %q, want %q", i, tc.name, got, tc.want)
		}
	}
}

// TestConditionTooLarge: a condition whose DAG is still too large is
// refused by Check and by Load (the rule is disabled), naming the macro
// chain through which its size comes.
func TestConditionTooLarge(t *testing.T) {
	var b strings.Builder
	b.WriteString("- macro: big0\n  condition: proc.name = a\n")
	for i := 1; i <= 300; i++ {
		var terms []string
		for j := 0; j < 80; j++ {
			terms = append(terms, fmt.Sprintf("proc.name = n%d_%d", i, j))
		}
		fmt.Fprintf(&b, "- macro: big%d\n  condition: big%d or %s\n", i, i-1, strings.Join(terms, " or "))
	}
	b.WriteString("- macro: small\n  condition: user.uid = 0\n")
	b.WriteString("- rule: huge\n  desc: d\n  condition: evt.type = execve and small and big300\n  output: o\n  priority: WARNING\n")
	b.WriteString("- rule: fine\n  desc: d\n  condition: evt.type = execve and big3\n  output: o\n  priority: WARNING\n")
	src := b.String()
	rep, err := CheckSources(Source{Name: "big.yaml", Data: []byte(src)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Enabled != 1 {
		t.Errorf("Check: OK %v, %d enabled; want a problem and only the small rule enabled", rep.OK(), rep.Enabled)
	}
	set, _ := load(t, src)
	for _, r := range set.Rules() {
		switch r.Name {
		case "huge":
			for _, want := range []string{"condition: too large", "limit 20000", "macro big300 -> big299 -> big298", "big1"} {
				if r.Enabled || !strings.Contains(r.Disabled, want) {
					t.Errorf("huge: enabled %v, disabled %q; want it disabled with %q", r.Enabled, r.Disabled, want)
				}
			}
		case "fine":
			if !r.Enabled {
				t.Errorf("fine: disabled %q", r.Disabled)
			}
		}
	}
}

// TestRestrict: a rule whose event types the sensor cannot produce is
// disabled with the reason (and said so by CheckWith); a rule with one
// producible type, and a rule on every type, stay enabled.
func TestRestrict(t *testing.T) {
	src := `
- rule: splice
  desc: d
  condition: evt.type = splice or evt.type = process_vm_writev
  output: o
  priority: WARNING
- rule: mixed
  desc: d
  condition: evt.type in (execve, process_vm_writev)
  output: o
  priority: WARNING
- rule: any
  desc: d
  condition: proc.name = x
  output: o
  priority: WARNING
`
	onlyExec := func(ty event.Type) bool { return ty == event.Execve }
	set, _ := load(t, src)
	if got := set.Restrict(onlyExec, "test"); strings.Join(got, ",") != "splice" {
		t.Errorf("Restrict disabled %v, want [splice]", got)
	}
	for _, r := range set.Rules() {
		want := r.Name != "splice"
		if r.Enabled != want {
			t.Errorf("%s: enabled %v, want %v (%s)", r.Name, r.Enabled, want, r.Disabled)
		}
		if r.Name == "splice" && !strings.Contains(r.Disabled, "test sensor produces none of its event types (process_vm_writev)") {
			t.Errorf("splice: reason %q", r.Disabled)
		}
	}
	if got := strings.Join(firedNames(set, &event.Event{Type: event.ProcessVMWritev}), ","); got != "mixed/Warning" {
		t.Errorf("fired %q, want only mixed/Warning (the disabled rule must not run)", got)
	}
	dir := t.TempDir()
	p := dir + "/r.yaml"
	os.WriteFile(p, []byte(src), 0o644)
	rep, err := CheckWith(CheckOptions{Produces: onlyExec, Sensor: "test"}, p)
	if err != nil || rep.Enabled != 2 || rep.Disabled != 1 {
		t.Fatalf("CheckWith: %+v %v", rep, err)
	}
	found := false
	for _, w := range rep.Warnings {
		found = found || w.Item == `rule "splice"` && strings.Contains(w.Message, "disabled: the test sensor")
	}
	if !found {
		t.Errorf("no warning for the disabled rule: %v", rep.Warnings)
	}
}
