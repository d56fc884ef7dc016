package dockerfile

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// File is a parsed Dockerfile as the rules see it.
type File struct {
	// Name is the path used in findings.
	Name string
	// Instrs are all instructions in file order, meta ARGs included.
	Instrs []*Instr
	// Stages are the build stages in order; the last one is final.
	Stages []*Stage
	// Escape is the escape character (`\` unless a `# escape=` directive
	// changes it).
	Escape rune
	// MetaArgs are the ARG values declared before the first FROM.
	MetaArgs map[string]string
	lines    []string
	// byName maps stage names to the first stage of that name.
	byName map[string]*Stage
}

// Final returns the stage that ships: the last one.
func (f *File) Final() *Stage {
	if len(f.Stages) == 0 {
		return nil
	}
	return f.Stages[len(f.Stages)-1]
}

// Instr is one instruction.
type Instr struct {
	// Cmd is the lower-case instruction keyword: "from", "run", ...
	Cmd string
	// Args are the instruction's arguments as the parser split them.
	Args []string
	// Flags are the --flags written after the keyword.
	Flags []string
	// Original is the instruction's text, continuation lines joined.
	Original string
	// Line and EndLine are the 1-based first and last source lines.
	Line, EndLine int
	// JSON is true for the exec (JSON array) form.
	JSON bool
	// Stage is the stage the instruction is in; nil for meta ARGs.
	Stage *Stage
	// Script is the shell text of a shell-form RUN (heredoc bodies included).
	Script string
	// Commands are the commands a RUN executes.
	Commands []*Command
	// ShellParsed is false when the RUN script could not be parsed as POSIX
	// shell and Commands come from a plain word split.
	ShellParsed bool
	// OnBuildRun is true for ONBUILD RUN; Args, Flags, JSON, Script and
	// Commands are then those of the RUN it wraps.
	OnBuildRun bool
	// Shell is the SHELL instruction in effect (nil: the default /bin/sh -c),
	// inherited from the stage this one is built FROM.
	Shell *Instr
	node  *parser.Node
}

// Flag returns the value of --name=value (or "" and false).
func (in *Instr) Flag(name string) (string, bool) {
	for _, f := range in.Flags {
		f = strings.TrimPrefix(f, "--")
		k, v, _ := strings.Cut(f, "=")
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// Stage is one FROM section.
type Stage struct {
	// Index is the stage's position, from 0.
	Index int
	// Name is the lower-case alias after AS, or "".
	Name string
	// BaseRaw is the base as written; Base is the same after ARG expansion.
	BaseRaw, Base string
	// Resolved is false when Base uses an ARG with no value.
	Resolved bool
	// Parent is the earlier stage that FROM names, when it names one.
	Parent *Stage
	// Image is the base image reference when the base is an image (not an
	// earlier stage, not scratch, and resolved).
	Image *ImageRef
	// Platform is the --platform value of the FROM.
	Platform string
	// Implicit is true for the stage of instructions written before any
	// FROM (a fragment); it has no From and no base.
	Implicit bool
	// From is the FROM instruction (nil for an implicit stage); Instrs are
	// the instructions after it.
	From   *Instr
	Instrs []*Instr
	// shell is the SHELL in effect at the end of the stage so far.
	shell *Instr
}

// ImageRef is a parsed image reference.
type ImageRef struct {
	// Name is the repository, lower case, as written (registry included).
	Name string
	// Tag and Digest are empty when absent.
	Tag, Digest string
}

// parseImageRef splits "registry/name:tag@sha256:..." into its parts.
func parseImageRef(s string) ImageRef {
	var r ImageRef
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s, r.Digest = s[:i], s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 && i > strings.LastIndexByte(s, '/') {
		s, r.Tag = s[:i], s[i+1:]
	}
	r.Name = strings.ToLower(s)
	return r
}

// build turns the parser's AST into a File.
func build(name string, src []byte, root *parser.Node) *File {
	f := &File{Name: name, MetaArgs: map[string]string{}, byName: map[string]*Stage{}}
	f.lines = strings.Split(string(src), "\n")
	var cur *Stage
	stageEnv := map[string]string{}
	for _, n := range root.Children {
		in := &Instr{
			Cmd:      strings.ToLower(n.Value),
			Flags:    n.Flags,
			Original: n.Original,
			Line:     n.StartLine,
			EndLine:  n.EndLine,
			JSON:     n.Attributes["json"],
			node:     n,
		}
		for a := n.Next; a != nil; a = a.Next {
			in.Args = append(in.Args, a.Value)
		}
		f.Instrs = append(f.Instrs, in)
		switch in.Cmd {
		case "from":
			cur = f.newStage(in)
			stageEnv = map[string]string{}
			continue
		}
		if cur == nil && in.Cmd != "arg" {
			// A fragment (or a file in progress) without a FROM yet: its
			// instructions form an implicit stage so every instruction rule
			// still sees them.
			cur = f.implicitStage()
		}
		switch in.Cmd {
		case "arg":
			if cur == nil {
				for _, a := range in.Args {
					k, v, _ := strings.Cut(a, "=")
					f.MetaArgs[k] = unquote(v)
				}
			}
		case "env":
			for k, v := range pairs(in) {
				stageEnv[k] = v
			}
		case "run":
			if cur != nil {
				in.Shell = cur.shell
			}
			in.Script, in.Commands, in.ShellParsed = runCommands(in, n, cur)
		case "shell":
			if cur != nil {
				cur.shell = in
			}
		case "onbuild":
			// ONBUILD RUN runs in every image built FROM this one: its
			// commands are judged like a RUN's (as hadolint does).
			if n.Next != nil && len(n.Next.Children) > 0 && strings.EqualFold(n.Next.Children[0].Value, "run") {
				inner := n.Next.Children[0]
				in.OnBuildRun = true
				in.Flags = inner.Flags
				in.JSON = inner.Attributes["json"]
				in.Args = nil
				for a := inner.Next; a != nil; a = a.Next {
					in.Args = append(in.Args, a.Value)
				}
				if cur != nil {
					in.Shell = cur.shell
				}
				in.Script, in.Commands, in.ShellParsed = runCommands(in, inner, cur)
			}
		}
		if cur != nil {
			in.Stage = cur
			cur.Instrs = append(cur.Instrs, in)
		}
	}
	return f
}

// implicitStage starts the stage of instructions written before any FROM.
func (f *File) implicitStage() *Stage {
	st := &Stage{Index: len(f.Stages), Implicit: true}
	f.Stages = append(f.Stages, st)
	return st
}

func (f *File) newStage(in *Instr) *Stage {
	st := &Stage{Index: len(f.Stages), From: in, Resolved: true}
	in.Stage = st
	if len(in.Args) > 0 {
		st.BaseRaw = in.Args[0]
	}
	if len(in.Args) >= 3 && strings.EqualFold(in.Args[1], "as") {
		st.Name = strings.ToLower(in.Args[2])
	}
	st.Platform, _ = in.Flag("platform")
	st.Base, st.Resolved = expand(st.BaseRaw, f.MetaArgs)
	lb := strings.ToLower(st.Base)
	if prev, ok := f.byName[lb]; ok && lb != "" {
		st.Parent = prev
		st.shell = prev.shell
	}
	if st.Parent == nil && st.Resolved && lb != "scratch" && st.Base != "" {
		r := parseImageRef(st.Base)
		st.Image = &r
	}
	f.Stages = append(f.Stages, st)
	if _, dup := f.byName[st.Name]; st.Name != "" && !dup {
		f.byName[st.Name] = st
	}
	return st
}

// expand replaces $NAME, ${NAME}, ${NAME:-word} and ${NAME:+word} from
// args. ok is false when a variable has no value and no default.
func expand(s string, args map[string]string) (string, bool) {
	if !strings.Contains(s, "$") {
		return s, true
	}
	var b strings.Builder
	ok := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		var name, op, word string
		if s[i+1] == '{' {
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String(), false
			}
			inner := s[i+2 : i+end]
			i += end
			name = inner
			for _, o := range []string{":-", ":+", "-", "+"} {
				if k := strings.Index(inner, o); k > 0 {
					name, op, word = inner[:k], o, inner[k+len(o):]
					break
				}
			}
		} else {
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			if j == i+1 {
				b.WriteByte(c)
				continue
			}
			name = s[i+1 : j]
			i = j - 1
		}
		v, set := args[name]
		switch op {
		case ":-":
			if v == "" {
				v, set = word, true
			}
		case "-":
			if !set {
				v, set = word, true
			}
		case ":+", "+":
			if v != "" || (op == "+" && set) {
				v = word
			}
			set = true
		}
		if !set || (v == "" && op == "") {
			ok = false
		}
		b.WriteString(v)
	}
	return b.String(), ok
}

func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		return v[1 : len(v)-1]
	}
	return v
}

// pairs returns the key/value pairs of an ENV, ARG or LABEL instruction.
// The parser gives ENV and LABEL as key, value, separator triples; ARG as
// "key=value" or "key" words.
func pairs(in *Instr) map[string]string {
	out := map[string]string{}
	for _, kv := range pairList(in) {
		out[kv[0]] = kv[1]
	}
	return out
}

// pairList is pairs in order; a key without a value has value "" and
// kv[2] == "" (kv[2] is "=" when a value was given).
func pairList(in *Instr) [][3]string {
	var out [][3]string
	switch in.Cmd {
	case "env", "label":
		for i := 0; i+1 < len(in.Args); i += 3 {
			out = append(out, [3]string{in.Args[i], unquote(in.Args[i+1]), "="})
		}
	case "arg":
		for _, a := range in.Args {
			k, v, has := strings.Cut(a, "=")
			eq := ""
			if has {
				eq = "="
			}
			out = append(out, [3]string{k, unquote(v), eq})
		}
	}
	return out
}

// stageRef returns the stage a --from value names (by name or index), or nil.
func (f *File) stageRef(v string) *Stage {
	v = strings.ToLower(v)
	if isDigits(v) {
		if len(v) > 6 {
			return nil
		}
		n := 0
		for i := 0; i < len(v); i++ {
			n = n*10 + int(v[i]-'0')
		}
		// Indexes count FROM stages only.
		for _, st := range f.Stages {
			if st.Implicit {
				continue
			}
			if n == 0 {
				return st
			}
			n--
		}
		return nil
	}
	return f.byName[v]
}

func isDigits(s string) bool {
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
