package rules

import (
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/runtime/event"
)

func fuzzEvents() []*event.Event {
	return []*event.Event{testExec(), testConnect(), openEv(nginx, "cat", "/etc/shadow", event.ORdOnly),
		{Type: event.Ptrace, Request: event.PtraceAttach}, {}}
}

// FuzzParseCondition feeds arbitrary conditions to the parser and compiler
// and runs whatever compiles: no input may panic or hang.
func FuzzParseCondition(f *testing.F) {
	for _, s := range []string{
		"evt.type = execve and proc.name in (shells)",
		"not (fd.name startswith /etc or fd.name pmatch (/usr, /bin)) and nested",
		"tolower(proc.name) glob 'b*' or proc.cmdline regex '^a.*b$'",
		"proc.aname[2] = x and proc.pid > val(proc.apid[1])",
		"fd.sip in (\"10.0.0.0/8\", 1.2.3.4) and fd.sport in (ports)",
		"evt.dir = < and evt.arg.flags contains O_TRUNC",
		"((((", "a = 'unterminated", "x in (a, b", "proc.name bcontains zz",
	} {
		f.Add(s)
	}
	l := &loader{lists: map[string]*listDef{}, macros: map[string]*macroDef{}, rules: map[string]*ruleDef{}}
	if err := l.loadFile(Source{Name: "lists.yaml", Data: []byte(testLists)}); err != nil {
		f.Fatal(err)
	}
	for _, m := range l.macros {
		m.ast, m.parseErr = parseCondition(m.cond)
	}
	evs := fuzzEvents()
	f.Fuzz(func(t *testing.T, cond string) {
		n, err := parseCondition(cond)
		if err != nil {
			return
		}
		c, err := newCompiler(l.lists, l.macros).compile(n)
		if err != nil {
			return
		}
		for _, e := range evs {
			x := getCtx(e, "h", 0)
			c.p(x)
			putCtx(x)
		}
	})
}

// FuzzLoad loads arbitrary rule files after the default set and evaluates
// what loaded: errors and warnings are fine, panics and hangs are not.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(baseFile))
	f.Add([]byte(exceptionRule))
	f.Add([]byte("- list: bh_shell_binaries\n  items: [x]\n  append: true\n- rule: Shell started in container\n  enabled: false\n"))
	f.Add([]byte("- macro: m\n  condition: m\n- rule: r\n  condition: evt.type=open and m\n  output: o\n  priority: INFO\n"))
	f.Add([]byte("- list: a\n  items: [b]\n- list: b\n  items: [a]\n- rule: r\n  condition: evt.type=open and proc.name in (a)\n  output: o\n  priority: INFO\n"))
	f.Add([]byte("a: &a [*a]\n"))
	evs := fuzzEvents()
	base := Source{Name: "base.yaml", Data: []byte(baseFile + testLists)}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, _, _ := Load(base, Source{Name: "fuzz.yaml", Data: data})
		for _, e := range evs {
			set.Eval(e, func(a Alert) { _ = a.Finding() })
		}
		_ = set.Rules()
	})
}
