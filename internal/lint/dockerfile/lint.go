package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// MaxSize is the largest Dockerfile Lint accepts.
const MaxSize = 1 << 20

// ErrTooLarge is returned for input over MaxSize.
var ErrTooLarge = errors.New("dockerfile too large")

// MaxFindingsPerRule bounds how many findings one rule reports for one
// file; the last one reported says that more were left out. A generated
// or hostile file can otherwise turn 1 MiB into a million findings.
const MaxFindingsPerRule = 1000

// maxEvidence bounds the evidence text of one finding.
const maxEvidence = 400

// Source is the Finding.Source of every finding of this package.
const Source = "bulkhead-dockerfile"

// Options tune Lint.
type Options struct {
	// Now is the time for end-of-life decisions; zero means time.Now().
	Now time.Time
	// Disabled lists rule ids (or aliases such as "DL3008") not to run.
	Disabled []string
	// Enabled lists rules that are off by default (such as DL1001 and
	// DL3066) to run.
	Enabled []string
	// TrustedRegistries, when set, is the allow-list of registries FROM may
	// pull from (hadolint's trustedRegistries; "*.example.com" matches
	// subdomains).
	TrustedRegistries []string
	// LabelSchema maps required label names to their type: text, url,
	// semver, hash, rfc3339, spdx or email (hadolint's label-schema).
	LabelSchema map[string]string
	// StrictLabels flags labels that are not in LabelSchema.
	StrictLabels bool
	// DisableIgnorePragma makes Lint disregard "# hadolint ignore=" and
	// "# bulkhead ignore=" comments.
	DisableIgnorePragma bool
}

// Parse parses a Dockerfile into the model the rules use.
func Parse(name string, src []byte) (*File, error) {
	if len(src) > MaxSize {
		return nil, fmt.Errorf("parse dockerfile %q: %d bytes: %w (limit %d bytes)", name, len(src), ErrTooLarge, MaxSize)
	}
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("parse dockerfile %q: %w", name, err)
	}
	f := build(name, src, res.AST)
	f.Escape = res.EscapeToken
	return f, nil
}

// Lint parses src (named name in findings) and runs every enabled rule.
// Findings are sorted by line, then id.
func Lint(name string, src []byte, opts Options) ([]finding.Finding, error) {
	f, err := Parse(name, src)
	if err != nil {
		return nil, err
	}
	env := &Env{Now: opts.Now, TrustedRegistries: opts.TrustedRegistries, LabelSchema: opts.LabelSchema, StrictLabels: opts.StrictLabels}
	if env.Now.IsZero() {
		env.Now = time.Now()
	}
	disabled := idSet(opts.Disabled)
	enabled := idSet(opts.Enabled)
	fileIgnores, lineIgnores := map[string]bool{}, map[int]map[string]bool{}
	if !opts.DisableIgnorePragma {
		fileIgnores, lineIgnores = pragmas(f)
	}
	secrets := secretValues(f)

	var out []finding.Finding
	type key struct {
		id   string
		line int
	}
	seen := map[key]bool{}
	for _, r := range allRules {
		if matches(r, disabled) || matches(r, fileIgnores) || (r.Meta.Off && !matches(r, enabled)) {
			continue
		}
		reported := 0
		for _, h := range r.Check(f, env) {
			if reported >= MaxFindingsPerRule {
				out[len(out)-1].Description += fmt.Sprintf(" (%s fired more than %d times in this file; the rest are not listed.)", r.Meta.ID, MaxFindingsPerRule)
				break
			}
			in := h.Instr
			if in == nil {
				continue
			}
			if ign := lineIgnores[in.Line]; ign != nil && matches(r, ign) {
				continue
			}
			k := key{r.Meta.ID, in.Line}
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, newFinding(r, f, in, h.Detail, secrets))
			reported++
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Location.Line != out[j].Location.Line {
			return out[i].Location.Line < out[j].Location.Line
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func idSet(ids []string) map[string]bool {
	out := map[string]bool{}
	for _, d := range ids {
		out[strings.ToUpper(strings.TrimSpace(d))] = true
	}
	return out
}

func matches(r *Rule, set map[string]bool) bool {
	if len(set) == 0 {
		return false
	}
	if set[r.Meta.ID] || set["ALL"] {
		return true
	}
	for _, a := range r.Meta.Aliases {
		if set[strings.ToUpper(a)] {
			return true
		}
	}
	return false
}

func newFinding(r *Rule, f *File, in *Instr, detail string, secrets []string) finding.Finding {
	desc := r.Meta.Description
	if detail != "" {
		desc = redactText(detail, secrets) + " " + desc
	}
	return finding.Finding{
		Kind:        finding.Misconfiguration,
		ID:          r.Meta.ID,
		Aliases:     append([]string(nil), r.Meta.Aliases...),
		Severity:    r.Meta.Severity,
		Title:       r.Meta.Title,
		Description: desc,
		Location:    finding.Location{Path: f.Name, Line: in.Line, EndLine: in.EndLine},
		Evidence:    evidence(in, secrets),
		Fix:         r.Meta.Fix,
		References:  []string{docPath(r.Meta.ID)},
		Source:      Source,
	}
}

// evidence renders the instruction with secrets masked.
func evidence(in *Instr, secrets []string) string {
	s := in.Original
	if in.Cmd == "env" || in.Cmd == "arg" {
		parts := []string{strings.ToUpper(in.Cmd)}
		for _, kv := range pairList(in) {
			v := kv[1]
			if secretPair(kv[0], v) {
				v = secret.Redact(v)
			}
			if kv[2] == "" {
				parts = append(parts, kv[0])
				continue
			}
			if strings.ContainsAny(v, " \t") {
				v = fmt.Sprintf("%q", v)
			}
			parts = append(parts, kv[0]+"="+v)
		}
		s = strings.Join(parts, " ")
	}
	s = redactText(s, secrets)
	if r := []rune(s); len(r) > maxEvidence {
		s = string(r[:maxEvidence]) + "…"
	}
	return s
}

// pragmaRe matches the ignore comments of bulkhead and of hadolint:
// "# bulkhead ignore=ID,...", "# bulkhead ignore-file=ID,...",
// "# hadolint ignore=DL3008,..." and "# hadolint global ignore=DL3003,...".
var pragmaRe = regexp.MustCompile(`^\s*#\s*(bulkhead|hadolint)\s+(ignore|ignore-file|global\s+ignore)\s*=\s*([A-Za-z0-9_,\- ]+?)\s*$`)

// pragma is one ignore comment.
type pragma struct {
	line   int
	tool   string
	global bool
	ids    []string
}

// findPragmas returns the ignore comments of f in line order.
func findPragmas(f *File) []pragma {
	var out []pragma
	for i, l := range f.lines {
		if !strings.Contains(l, "bulkhead") && !strings.Contains(l, "hadolint") {
			continue
		}
		m := pragmaRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		p := pragma{line: i + 1, tool: m[1], global: m[2] != "ignore"}
		for _, id := range strings.Split(m[3], ",") {
			if id = strings.ToUpper(strings.TrimSpace(id)); id != "" {
				p.ids = append(p.ids, id)
			}
		}
		out = append(out, p)
	}
	return out
}

// pragmas reads the ignore comments: ids for the whole file, and ids per
// line of the instruction that follows each ignore comment.
func pragmas(f *File) (map[string]bool, map[int]map[string]bool) {
	file := map[string]bool{}
	lines := map[int]map[string]bool{}
	next := 0
	for _, p := range findPragmas(f) {
		if p.global {
			for _, id := range p.ids {
				file[id] = true
			}
			continue
		}
		for next < len(f.Instrs) && f.Instrs[next].Line <= p.line {
			next++
		}
		if next < len(f.Instrs) {
			target := f.Instrs[next].Line
			if lines[target] == nil {
				lines[target] = map[string]bool{}
			}
			for _, id := range p.ids {
				lines[target][id] = true
			}
		}
	}
	return file, lines
}
