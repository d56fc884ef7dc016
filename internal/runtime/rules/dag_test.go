package rules

import (
	"fmt"
	"strings"
	"testing"
	"time"
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
			for _, want := range []string{"condition too large", "limit 20000", "macro big300 -> big299 -> big298", "big1"} {
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
