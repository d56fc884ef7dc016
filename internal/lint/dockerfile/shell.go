package dockerfile

import (
	"path"
	"regexp"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"
)

// Command is one simple command a RUN executes.
type Command struct {
	// Name is the command's base name ("apt-get" for /usr/bin/apt-get).
	Name string
	// Args are the arguments after the name, quotes removed; parameter
	// expansions are kept as written ("$VERSION").
	Args []string
	// Wrappers are the commands that ran this one and were stripped to find
	// it: sudo, env, exec, nohup, nice, command, time.
	Wrappers []string
	// Pipe numbers the pipeline the command is in (0: not in a pipe);
	// PipePos is its place in that pipeline from 0.
	Pipe, PipePos int
	// InSubst is true inside a command substitution $(...).
	InSubst bool
	// Nested is true inside an `sh -c` script.
	Nested bool
}

// subValued lists, per command, the options before the subcommand that
// take a separate value (apt-get -o X install).
var subValued = map[string][]string{
	"apt-get": aptValued, "apt": aptValued, "apk": apkValued,
	"yum": rpmValued, "dnf": rpmValued, "microdnf": rpmValued, "tdnf": rpmValued, "zypper": zypperValued,
}

// Sub returns the first argument that is not a flag or a flag's value (a
// subcommand such as "install"), or "".
func (c *Command) Sub() string {
	valued := subValued[c.Name]
	skip := false
	for _, a := range c.Args {
		if skip {
			skip = false
			continue
		}
		if !strings.HasPrefix(a, "-") {
			return a
		}
		for _, v := range valued {
			if a == v {
				skip = true
			}
		}
	}
	return ""
}

// Has reports whether any of the given flags is present. A long flag
// matches "--name" and "--name=value"; a one-letter flag "-y" also matches
// inside a group such as "-qy".
func (c *Command) Has(flags ...string) bool {
	for _, a := range c.Args {
		if a == "--" {
			return false
		}
		for _, fl := range flags {
			if a == fl || strings.HasPrefix(fl, "--") && strings.HasPrefix(a, fl+"=") {
				return true
			}
			if len(fl) == 2 && fl[0] == '-' && len(a) > 2 && a[0] == '-' && a[1] != '-' && strings.IndexByte(a[1:], fl[1]) >= 0 && isLetters(a[1:]) {
				return true
			}
		}
	}
	return false
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// Operands returns the non-flag arguments after the subcommand sub (all
// non-flag arguments when sub is ""), skipping the values of the flags in
// valued (such as "-o" for apt-get).
func (c *Command) Operands(sub string, valued ...string) []string {
	var out []string
	seenSub := sub == ""
	skip := false
	for _, a := range c.Args {
		if skip {
			skip = false
			continue
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			for _, v := range valued {
				if a == v {
					skip = true
				}
			}
			continue
		}
		if !seenSub {
			if a == sub {
				seenSub = true
			}
			continue
		}
		out = append(out, a)
	}
	if !seenSub {
		return nil
	}
	return out
}

// String renders the command for evidence and messages.
func (c *Command) String() string {
	return strings.TrimSpace(c.Name + " " + strings.Join(c.Args, " "))
}

var wrappers = map[string]bool{"sudo": true, "env": true, "exec": true, "nohup": true, "nice": true, "command": true, "time": true, "doas": true}

var shells = map[string]bool{"sh": true, "bash": true, "dash": true, "ash": true, "zsh": true, "ksh": true, "busybox": false}

// heredocOnly matches a RUN command line that is only a heredoc marker.
var heredocOnly = regexp.MustCompile(`^\s*<<-?\s*["']?(\w+)["']?\s*$`)

// runCommands finds the script and commands of a RUN.
func runCommands(in *Instr, n *parser.Node, st *Stage) (string, []*Command, bool) {
	if in.JSON {
		if len(in.Args) == 0 {
			return "", nil, true
		}
		w := &cmdWalker{}
		w.emit(in.Args[0], in.Args[1:], nil, 0, 0, false, 0)
		return "", w.out, true
	}
	script := strings.Join(in.Args, " ")
	if len(n.Heredocs) > 0 {
		if heredocOnly.MatchString(script) {
			script = n.Heredocs[0].Content
		} else {
			var b strings.Builder
			b.WriteString(script)
			b.WriteByte('\n')
			for _, h := range n.Heredocs {
				b.WriteString(h.Content)
				if !strings.HasSuffix(h.Content, "\n") {
					b.WriteByte('\n')
				}
				b.WriteString(h.Name)
				b.WriteByte('\n')
			}
			script = b.String()
		}
	}
	if !posixShell(in.Shell) {
		return script, splitPlain(script, 0), false
	}
	cmds, ok := parseShell(script, 0)
	return script, cmds, ok
}

// posixShell reports whether a SHELL instruction (nil: the default) names a
// POSIX shell.
func posixShell(shell *Instr) bool {
	if shell == nil || len(shell.Args) == 0 {
		return true
	}
	name := strings.ToLower(path.Base(strings.ReplaceAll(shell.Args[0], `\`, "/")))
	name = strings.TrimSuffix(name, ".exe")
	return shells[name]
}

// maxShellDepth bounds `sh -c` recursion.
const maxShellDepth = 1

// parseShell parses script; on a parse error it falls back to a plain split.
func parseShell(script string, depth int) ([]*Command, bool) {
	p := syntax.NewParser(syntax.Variant(syntax.LangBash))
	file, err := p.Parse(strings.NewReader(script), "")
	if err != nil {
		return splitPlain(script, depth), false
	}
	w := &cmdWalker{depth: depth}
	for _, s := range file.Stmts {
		w.stmt(s, 0, 0, false)
	}
	return w.out, true
}

var plainSep = regexp.MustCompile(`&&|\|\||;|\||\n`)

// splitPlain splits a script that is not shell (or not parseable) on the
// usual separators and whitespace.
func splitPlain(script string, depth int) []*Command {
	var out []*Command
	for _, seg := range plainSep.Split(script, -1) {
		f := strings.Fields(seg)
		if len(f) == 0 {
			continue
		}
		w := &cmdWalker{depth: depth, plain: true}
		w.emit(f[0], f[1:], nil, 0, 0, false, 0)
		out = append(out, w.out...)
	}
	return out
}

type cmdWalker struct {
	out   []*Command
	pipes int
	// last is the highest position used in each pipeline.
	last  map[int]int
	depth int
	// plain is set for word-split scripts, which are not descended into.
	plain bool
}

func (w *cmdWalker) stmts(ss []*syntax.Stmt, subst bool) {
	for _, s := range ss {
		w.stmt(s, 0, 0, subst)
	}
}

func (w *cmdWalker) stmt(s *syntax.Stmt, pipe, pos int, subst bool) {
	if s == nil || s.Cmd == nil {
		return
	}
	switch c := s.Cmd.(type) {
	case *syntax.CallExpr:
		for _, a := range c.Assigns {
			if a.Value != nil {
				w.words([]*syntax.Word{a.Value})
			}
		}
		if len(c.Args) == 0 {
			return
		}
		w.words(c.Args)
		args := make([]string, len(c.Args))
		for i, a := range c.Args {
			args[i] = wordString(a)
		}
		first := len(w.out)
		w.emit(args[0], args[1:], nil, pipe, pos, subst, 0)
		// `bash -ex <<EOF ... EOF` (also Docker's `RUN <<EOF bash -ex`):
		// the here-document is the script the shell runs, so its commands
		// are judged like those of `sh -c`. emit recorded the command
		// itself (wrappers stripped) first.
		if w.depth < maxShellDepth && !w.plain && first < len(w.out) && stdinShell(w.out[first]) {
			for _, r := range s.Redirs {
				if (r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc) && r.Hdoc != nil && (r.N == nil || r.N.Value == "0") {
					inner, _ := parseShell(wordString(r.Hdoc), w.depth+1)
					w.out = append(w.out, inner...)
				}
			}
		}
	case *syntax.BinaryCmd:
		if c.Op == syntax.Pipe || c.Op == syntax.PipeAll {
			if pipe == 0 {
				w.pipes++
				pipe = w.pipes
				pos = 0
			}
			w.stmt(c.X, pipe, pos, subst)
			w.stmt(c.Y, pipe, w.lastPos(pipe)+1, subst)
			return
		}
		w.stmt(c.X, 0, 0, subst)
		w.stmt(c.Y, 0, 0, subst)
	case *syntax.Subshell:
		w.stmts(c.Stmts, subst)
	case *syntax.Block:
		w.stmts(c.Stmts, subst)
	case *syntax.IfClause:
		for ic := c; ic != nil; ic = ic.Else {
			w.stmts(ic.Cond, subst)
			w.stmts(ic.Then, subst)
		}
	case *syntax.WhileClause:
		w.stmts(c.Cond, subst)
		w.stmts(c.Do, subst)
	case *syntax.ForClause:
		w.stmts(c.Do, subst)
	case *syntax.CaseClause:
		for _, it := range c.Items {
			w.stmts(it.Stmts, subst)
		}
	case *syntax.FuncDecl:
		w.stmt(c.Body, 0, 0, subst)
	case *syntax.TimeClause:
		w.stmt(c.Stmt, pipe, pos, subst)
	case *syntax.CoprocClause:
		w.stmt(c.Stmt, 0, 0, subst)
	}
}

func (w *cmdWalker) lastPos(pipe int) int {
	if p, ok := w.last[pipe]; ok {
		return p
	}
	return -1
}

// record appends c and notes its pipeline position.
func (w *cmdWalker) record(c *Command) {
	w.out = append(w.out, c)
	if c.Pipe > 0 {
		if w.last == nil {
			w.last = map[int]int{}
		}
		if p, ok := w.last[c.Pipe]; !ok || c.PipePos > p {
			w.last[c.Pipe] = c.PipePos
		}
	}
}

// words finds command substitutions inside words.
func (w *cmdWalker) words(ws []*syntax.Word) {
	for _, wd := range ws {
		syntax.Walk(wd, func(n syntax.Node) bool {
			if cs, ok := n.(*syntax.CmdSubst); ok {
				w.stmts(cs.Stmts, true)
				return false
			}
			return true
		})
	}
}

// emit records a command, stripping wrappers and descending one level into
// `sh -c SCRIPT`.
func (w *cmdWalker) emit(name string, args []string, wraps []string, pipe, pos int, subst bool, guard int) {
	base := path.Base(name)
	if wrappers[base] && guard < 8 {
		wraps = append(wraps, base)
		rest := args
		for len(rest) > 0 {
			a := rest[0]
			if strings.HasPrefix(a, "-") || (base == "env" && strings.Contains(a, "=")) || (base == "nice" && isNumber(a)) {
				rest = rest[1:]
				if base == "sudo" && (a == "-u" || a == "-g") && len(rest) > 0 {
					rest = rest[1:]
				}
				continue
			}
			break
		}
		if len(rest) == 0 {
			w.record(&Command{Name: base, Args: args, Wrappers: wraps[:len(wraps)-1], Pipe: pipe, PipePos: pos, InSubst: subst, Nested: w.depth > 0})
			return
		}
		w.emit(rest[0], rest[1:], wraps, pipe, pos, subst, guard+1)
		return
	}
	c := &Command{Name: base, Args: args, Wrappers: wraps, Pipe: pipe, PipePos: pos, InSubst: subst, Nested: w.depth > 0}
	w.record(c)
	if shells[base] && w.depth < maxShellDepth && !w.plain {
		for i, a := range args {
			if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.Contains(a, "c") && i+1 < len(args) {
				inner, _ := parseShell(args[i+1], w.depth+1)
				w.out = append(w.out, inner...)
				break
			}
		}
	}
}

// stdinShell reports whether c is a shell that reads its script from
// standard input: given only options, none of them -c, and no script file.
func stdinShell(c *Command) bool {
	if !shells[c.Name] {
		return false
	}
	args := c.Args
	for j := 0; j < len(args); j++ {
		a := args[j]
		switch {
		case a == "-o" || a == "+o":
			j++ // the option's name
		case a == "-s" || a == "--":
			return true // the script is stdin; what follows are its arguments
		case strings.HasPrefix(a, "--"):
		case strings.HasPrefix(a, "-") || strings.HasPrefix(a, "+"):
			if strings.Contains(a, "c") {
				return false // -c SCRIPT: emit descends into it
			}
		default:
			return false // a script file
		}
	}
	return true
}

func isNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// wordString renders a shell word with quotes removed and expansions kept
// as written.
func wordString(w *syntax.Word) string {
	if lit := w.Lit(); lit != "" || len(w.Parts) == 0 {
		return lit
	}
	var b strings.Builder
	wordParts(&b, w.Parts)
	return b.String()
}

func wordParts(b *strings.Builder, parts []syntax.WordPart) {
	for _, p := range parts {
		switch x := p.(type) {
		case *syntax.Lit:
			b.WriteString(x.Value)
		case *syntax.SglQuoted:
			b.WriteString(x.Value)
		case *syntax.DblQuoted:
			wordParts(b, x.Parts)
		default:
			var sb strings.Builder
			if err := syntax.NewPrinter().Print(&sb, p); err == nil {
				b.WriteString(sb.String())
			}
		}
	}
}
