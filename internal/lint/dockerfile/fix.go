package dockerfile

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// fixedRules are the rules whose findings Fix repairs.
var fixedRules = map[string]bool{"BH-DF-006": true, "BH-DF-008": true, "BH-DF-009": true, "BH-DF-015": true, "BH-DF-046": true}

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
	note       string
}

// Fix applies the fixes that are certain to keep the build's meaning:
// MAINTAINER becomes LABEL maintainer=; ADD of plain local files becomes
// COPY; `apt-get install` gets -y and --no-install-recommends when missing;
// `apk add` gets --no-cache. applied says what changed, one entry per fix
// ("line 3: BH-DF-046 MAINTAINER replaced by LABEL maintainer"). The result
// is parsed again before it is returned.
//
// ADD becomes COPY only when every source is certainly not an archive:
// Docker unpacks a local tar (plain or compressed) whatever its name, so
// the source must be a directory (written with a trailing slash, or found
// in the build context) or a file in the build context whose content is
// not a tar or compressed stream. Without a context only directories
// qualify; remote, git, quoted-archive and variable sources never do.
func Fix(src []byte) (fixed []byte, applied []string, err error) {
	return FixWith(src, FixOptions{})
}

// FixOptions tune FixWith.
type FixOptions struct {
	// Context is the build context directory, used to look at ADD sources;
	// "" means none is known.
	Context string
}

// FixWith is Fix with options.
func FixWith(src []byte, opts FixOptions) (fixed []byte, applied []string, err error) {
	f, err := Parse("Dockerfile", src)
	if err != nil {
		return nil, nil, err
	}
	text := string(src)
	starts := lineStarts(text)
	offset := func(line int) int {
		if line-1 < len(starts) && line >= 1 {
			return starts[line-1]
		}
		return len(text)
	}
	var edits []edit
	for _, in := range f.Instrs {
		if in.Line < 1 || in.EndLine < in.Line {
			continue
		}
		lo, hi := offset(in.Line), offset(in.EndLine+1)
		region := text[lo:hi]
		switch {
		case in.Cmd == "maintainer":
			kw := keyword(region)
			if kw < 0 {
				continue
			}
			val := strings.Join(in.Args, " ")
			repl := region[:kw] + "LABEL maintainer=" + strconv.Quote(val)
			end := hi
			if strings.HasSuffix(region, "\r\n") {
				end -= 2
			} else if strings.HasSuffix(region, "\n") {
				end--
			}
			edits = append(edits, edit{lo, end, repl, fmt.Sprintf("line %d: BH-DF-046 MAINTAINER replaced by LABEL maintainer", in.Line)})
		case addIsCopy(in) && copyFlagsOnly(in) && addSourcesPlain(in, opts.Context):
			kw := keyword(region)
			if kw < 0 || !strings.EqualFold(region[kw:kw+3], "add") {
				continue
			}
			repl := "COPY"
			if region[kw:kw+3] == "add" {
				repl = "copy"
			}
			edits = append(edits, edit{lo + kw, lo + kw + 3, repl, fmt.Sprintf("line %d: BH-DF-006 ADD replaced by COPY", in.Line)})
		case in.Cmd == "run" && f.Escape == '\\':
			edits = append(edits, runFixes(in, text, lo, hi)...)
		}
	}
	if len(edits) == 0 {
		return append([]byte(nil), src...), nil, nil
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b strings.Builder
	pos := 0
	for _, e := range edits {
		if e.start < pos {
			continue // overlapping edit; the first one wins
		}
		b.WriteString(text[pos:e.start])
		b.WriteString(e.text)
		pos = e.end
		applied = append(applied, e.note)
	}
	b.WriteString(text[pos:])
	out := []byte(b.String())
	if _, err := Parse("Dockerfile", out); err != nil {
		return nil, nil, fmt.Errorf("fix dockerfile: result does not parse: %w", err)
	}
	return out, applied, nil
}

// copyFlagsOnly reports whether every flag of an ADD is one COPY accepts
// with the same meaning.
func copyFlagsOnly(in *Instr) bool {
	for _, fl := range in.Flags {
		k, _, _ := strings.Cut(strings.TrimPrefix(fl, "--"), "=")
		switch strings.ToLower(k) {
		case "chown", "chmod", "link", "exclude":
		default:
			return false
		}
	}
	return true
}

func lineStarts(s string) []int {
	starts := []int{0}
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// keyword returns the offset of the instruction keyword in region: the
// first non-blank character of the first line that is not a comment.
func keyword(region string) int {
	for i := 0; i < len(region); i++ {
		switch region[i] {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return i
	}
	return -1
}

var fixTarget = regexp.MustCompile(`(?:^|[^\w./-])(apt-get|apt|apk)[ \t\\]`)

// runFixes finds apt-get install and apk add commands in a RUN's text and
// inserts the missing flags after the subcommand.
func runFixes(in *Instr, text string, lo, hi int) []edit {
	need := map[string]bool{}
	for _, c := range in.Commands {
		if isApt(c) && c.Sub() == "install" {
			need[c.Name] = true
		}
		if c.Name == "apk" && c.Sub() == "add" && !c.Has("--no-cache") {
			need["apk"] = true
		}
	}
	if len(need) == 0 {
		return nil
	}
	region := text[lo:hi]
	var out []edit
	done := 0 // end of the last command scanned; later matches inside it are arguments
	for _, m := range fixTarget.FindAllStringSubmatchIndex(region, -1) {
		name := region[m[2]:m[3]]
		if !need[name] || m[2] < done || !atCommandStart(region, m[2]) {
			continue
		}
		toks := segmentTokens(region, m[3])
		if len(toks) == 0 {
			continue
		}
		done = toks[len(toks)-1].end
		args := make([]string, len(toks))
		for i, t := range toks {
			args[i] = t.text
		}
		c := &Command{Name: name, Args: args}
		sub := -1
		for i, t := range toks {
			if !strings.HasPrefix(t.text, "-") {
				sub = i
				break
			}
		}
		if sub < 0 {
			continue
		}
		at := lo + toks[sub].end
		line := in.Line + strings.Count(region[:toks[sub].end], "\n")
		switch {
		case (name == "apt-get" || name == "apt") && toks[sub].text == "install":
			if !aptAssumesYes(c) {
				out = append(out, edit{at, at, " -y", fmt.Sprintf("line %d: BH-DF-008 added -y to %s install", line, name)})
			}
			if !aptNoRecommends(c) {
				out = append(out, edit{at, at, " --no-install-recommends", fmt.Sprintf("line %d: BH-DF-009 added --no-install-recommends to %s install", line, name)})
			}
		case name == "apk" && toks[sub].text == "add" && !c.Has("--no-cache"):
			out = append(out, edit{at, at, " --no-cache", fmt.Sprintf("line %d: BH-DF-015 added --no-cache to apk add", line)})
		}
	}
	return out
}

// startWords may come right before a command name.
var startWords = map[string]bool{"run": true, "sudo": true, "env": true, "exec": true, "then": true, "do": true,
	"else": true, "nohup": true, "time": true, "command": true, "!": true}

// atCommandStart reports whether the word at offset i of a RUN's text is
// in command position: after the RUN keyword and its flags, a separator, a
// wrapper such as sudo, a variable assignment, or the quote of `sh -c "`.
func atCommandStart(s string, i int) bool {
	j := i
	for j > 0 {
		c := s[j-1]
		if c == ' ' || c == '\t' || c == '\r' {
			j--
			continue
		}
		if c == '\n' && j >= 2 && s[j-2] == '\\' {
			j -= 2
			continue
		}
		if c == '\n' && j >= 3 && s[j-2] == '\r' && s[j-3] == '\\' {
			j -= 3
			continue
		}
		break
	}
	if j == 0 {
		return true
	}
	switch c := s[j-1]; c {
	case '&', '|', ';', '(', '{', '\n':
		return true
	case '"', '\'':
		w := prevWord(s, j-1)
		return strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--") && strings.HasSuffix(w, "c")
	}
	w := prevWord(s, j)
	return startWords[strings.ToLower(w)] || strings.HasPrefix(w, "--") || (strings.Contains(w, "=") && !strings.HasPrefix(w, "-"))
}

// prevWord returns the blank-separated word that ends at offset j.
func prevWord(s string, j int) string {
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	k := j
	for k > 0 && !strings.ContainsRune(" \t\n", rune(s[k-1])) {
		k--
	}
	return s[k:j]
}

type token struct {
	text       string
	start, end int
}

// segmentTokens splits the shell words from offset i up to the end of the
// simple command (an unquoted &&, ||, ;, |, ), backquote or a newline not
// escaped by a backslash).
func segmentTokens(s string, i int) []token {
	var out []token
	var cur strings.Builder
	start := -1
	var quote byte
	flush := func(end int) {
		if start >= 0 {
			out = append(out, token{cur.String(), start, end})
		}
		cur.Reset()
		start = -1
	}
	for ; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
			continue
		}
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			flush(i)
			i++
		case c == '\\' && i+2 < len(s) && s[i+1] == '\r' && s[i+2] == '\n':
			flush(i)
			i += 2
		case c == '\'' || c == '"':
			if start < 0 {
				start = i
			}
			quote = c
		case c == ' ' || c == '\t' || c == '\r':
			flush(i)
		case c == '\n' || c == ';' || c == '|' || c == '&' || c == ')' || c == '`':
			flush(i)
			return out
		default:
			if start < 0 {
				start = i
			}
			cur.WriteByte(c)
		}
	}
	flush(len(s))
	return out
}

// addSourcesPlain reports whether every source of an ADD is certainly not
// an archive Docker would unpack (see Fix).
func addSourcesPlain(in *Instr, context string) bool {
	src, _ := sourcesDest(in)
	if len(src) == 0 {
		return false
	}
	for _, s := range src {
		s = unquote(s)
		if s == "" || strings.HasPrefix(s, "-") {
			return false
		}
		if context == "" {
			if !strings.HasSuffix(s, "/") {
				return false
			}
			continue
		}
		if !contextPlain(context, s) {
			return false
		}
	}
	return true
}

// maxGlob bounds how many files one ADD source pattern may match for the
// fix to look at them all.
const maxGlob = 256

// contextPlain reports whether src, inside the build context dir, is a
// directory or regular files none of which is an archive. Symbolic links,
// paths leaving the context, and patterns matching nothing do not qualify.
func contextPlain(dir, src string) bool {
	root, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	clean := filepath.Clean(string(filepath.Separator) + filepath.FromSlash(src))
	p := filepath.Join(root, clean)
	var matches []string
	if strings.ContainsAny(src, "*?[") {
		if matches, err = filepath.Glob(p); err != nil || len(matches) == 0 || len(matches) > maxGlob {
			return false
		}
	} else {
		matches = []string{p}
	}
	for _, m := range matches {
		st, err := os.Lstat(m)
		if err != nil {
			return false
		}
		switch {
		case st.IsDir():
			continue
		case !st.Mode().IsRegular():
			return false
		}
		if mayUnpack(m) {
			return false
		}
	}
	return true
}

// mayUnpack reports whether Docker's ADD could unpack the file: it starts
// like a gzip, bzip2, xz or zstd stream, or like a tar archive.
func mayUnpack(name string) bool {
	fh, err := os.Open(name)
	if err != nil {
		return true
	}
	defer fh.Close()
	head := make([]byte, 8<<10)
	n, _ := io.ReadFull(fh, head)
	head = head[:n]
	for _, magic := range [][]byte{{0x1f, 0x8b}, []byte("BZh"), {0xfd, '7', 'z', 'X', 'Z', 0x00}, {0x28, 0xb5, 0x2f, 0xfd}} {
		if bytes.HasPrefix(head, magic) {
			return true
		}
	}
	if len(head) >= 512 {
		if _, err := tar.NewReader(bytes.NewReader(head)).Next(); err == nil {
			return true
		}
	}
	return false
}
