// Package table writes a report for people at a terminal: what was scanned,
// how many packages, the findings grouped by kind and severity in columns
// fitted to the terminal width, compliance results by section with a score,
// what was not scanned and why, warnings, and a one-line summary.
package table

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// Options are the options all formats share; table uses Color, Width,
// ShowPackages and ShowSuppressed.
type Options = report.WriteOptions

// DefaultWidth is the width used when Options.Width is zero.
const DefaultWidth = 120

const minWidth = 40

// Write writes r as text tables.
func Write(w io.Writer, r *report.Report, opts Options) error {
	if opts.Width <= 0 {
		opts.Width = DefaultWidth
	}
	if opts.Width < minWidth {
		opts.Width = minWidth
	}
	bw := bufio.NewWriter(w)
	p := &printer{w: bw, opts: opts}
	p.target(r)
	p.packages(r)
	p.findings(r)
	p.suppressed(r)
	p.scanners(r)
	p.warnings(r)
	p.summary(r)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

type printer struct {
	w    *bufio.Writer
	opts Options
}

func (p *printer) line(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
}

func (p *printer) heading(s string) {
	p.line("")
	p.line("%s", p.bold(s))
	p.line("%s", strings.Repeat("─", min(utf8.RuneCountInString(s), p.opts.Width)))
}

func (p *printer) bold(s string) string {
	if !p.opts.Color {
		return s
	}
	return "\x1b[1m" + s + "\x1b[0m"
}

func (p *printer) target(r *report.Report) {
	t := r.Target
	kind := t.Kind
	if kind == "" {
		kind = "target"
	}
	p.line("%s %s (%s)", p.bold("Target:"), clean(t.Name), kind)
	if t.Digest != "" {
		p.line("Digest: %s", clean(t.Digest))
	}
	if t.OS != nil {
		p.line("OS:     %s", clean(osName(t.OS)))
	}
	if t.Kind == report.KindImage || len(t.Layers) > 0 {
		p.line("Layers: %d", len(t.Layers))
	}
	for _, sc := range r.Scanners {
		if sc.Database == nil {
			continue
		}
		name := sc.Database.Path
		if sc.Database.Label != "" {
			name = sc.Database.Label
		}
		var parts []string
		for _, src := range sc.Database.Sources {
			part := fmt.Sprintf("%s %d", src.Name, src.Records)
			if !src.Newest.IsZero() {
				part += " to " + src.Newest.Format("2006-01-02")
			}
			parts = append(parts, part)
		}
		p.line("DB:     %s (%s)", clean(name), clean(strings.Join(parts, ", ")))
	}
}

func osName(o *inventory.OS) string {
	if o.PrettyName != "" {
		return o.PrettyName
	}
	s := o.ID
	if o.VersionID != "" {
		s += " " + o.VersionID
	}
	if o.Distroless {
		s += " (distroless)"
	}
	return s
}

func (p *printer) packages(r *report.Report) {
	byType := map[string]int{}
	for _, pkg := range r.Packages {
		byType[pkg.Type]++
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	parts := make([]string, len(types))
	for i, t := range types {
		name := t
		if name == "" {
			name = "other"
		}
		parts[i] = fmt.Sprintf("%s %d", clean(name), byType[t])
	}
	switch r.Target.Kind {
	case report.KindHost, report.KindRuntime, report.KindDockerfile:
		if len(r.Packages) == 0 {
			return // no package scan for these targets
		}
	}
	s := fmt.Sprintf("Packages: %d", len(r.Packages))
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	p.line("%s", s)
	if !p.opts.ShowPackages || len(r.Packages) == 0 {
		return
	}
	pkgs := append([]inventory.Package(nil), r.Packages...)
	sort.SliceStable(pkgs, func(i, j int) bool {
		a, b := pkgs[i], pkgs[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Path < b.Path
	})
	p.heading("Packages")
	t := &grid{header: []string{"TYPE", "NAME", "VERSION", "LICENSE", "PATH"}, flex: 4}
	for _, pkg := range pkgs {
		t.rows = append(t.rows, []string{pkg.Type, pkg.Name, pkg.Version, strings.Join(pkg.Licenses, ", "), pkg.Path})
	}
	p.grid(t, nil)
}

var kindOrder = []struct {
	kind  finding.Kind
	title string
}{
	{finding.Vulnerability, "Vulnerabilities"},
	{finding.Secret, "Secrets"},
	{finding.Misconfiguration, "Misconfigurations"},
	{finding.Runtime, "Runtime alerts"},
}

func (p *printer) findings(r *report.Report) {
	byKind := map[finding.Kind][]finding.Finding{}
	for _, f := range r.Findings {
		byKind[f.Kind] = append(byKind[f.Kind], f)
	}
	for _, k := range kindOrder {
		fs := byKind[k.kind]
		delete(byKind, k.kind)
		if len(fs) == 0 {
			continue
		}
		sortBySeverity(fs)
		if k.kind != finding.Vulnerability {
			p.heading(fmt.Sprintf("%s (%d)", k.title, len(fs)))
		}
		p.kindTable(k.kind, fs)
	}
	if fs := byKind[finding.Compliance]; len(fs) > 0 {
		delete(byKind, finding.Compliance)
		p.compliance(fs)
	}
	// Kinds this writer does not know still get shown.
	var other []string
	for k := range byKind {
		other = append(other, string(k))
	}
	sort.Strings(other)
	for _, k := range other {
		fs := byKind[finding.Kind(k)]
		sortBySeverity(fs)
		p.heading(fmt.Sprintf("%s (%d)", clean(k), len(fs)))
		p.kindTable(finding.Kind(k), fs)
	}
}

func sortBySeverity(fs []finding.Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity > fs[j].Severity })
}

func (p *printer) kindTable(k finding.Kind, fs []finding.Finding) {
	if lintKind(k, fs) {
		p.grid(lintGrid(fs), func(row []string) string { return row[1] })
		return
	}
	var t *grid
	switch k {
	case finding.Vulnerability:
		p.vulnerabilities(fs)
		return
	case finding.Secret:
		t = &grid{header: []string{"SEVERITY", "ID", "LOCATION", "EVIDENCE"}, flex: 3}
		for _, f := range fs {
			// Evidence is redacted by the secret scanner already.
			t.rows = append(t.rows, []string{f.Severity.String(), f.ID, f.Location.String(), f.Evidence})
		}
	default:
		t = &grid{header: []string{"SEVERITY", "ID", "LOCATION", "TITLE"}, flex: 3}
		for _, f := range fs {
			t.rows = append(t.rows, []string{f.Severity.String(), f.ID, f.Location.String(), f.Title})
			// A misconfiguration says how to fix it, on a line of its own.
			if k == finding.Misconfiguration && f.Fix != "" {
				t.rows = append(t.rows, []string{"", "", "", "fix: " + f.Fix})
			}
		}
	}
	p.grid(t, func(row []string) string { return row[0] })
}

// lintSources are the Source values of bulkhead lint's findings.
var lintSources = map[string]bool{"bulkhead-dockerfile": true, "bulkhead-compose": true, "bulkhead-lint": true}

// lintKind reports whether fs are all Dockerfile/compose lint rows.
func lintKind(k finding.Kind, fs []finding.Finding) bool {
	if k != finding.Misconfiguration || len(fs) == 0 {
		return false
	}
	for _, f := range fs {
		if !lintSources[f.Source] {
			return false
		}
	}
	return true
}

// lintGrid lays out lint rows as linters do: by file and line, with the
// rule's peer alias (hadolint's DL id first) and the fix hint.
func lintGrid(fs []finding.Finding) *grid {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i].Location, fs[j].Location
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return fs[i].ID < fs[j].ID
	})
	t := &grid{header: []string{"LOCATION", "SEVERITY", "RULE", "TITLE / FIX"}, flex: 3}
	for _, f := range fs {
		rule := f.ID
		alias := ""
		for _, a := range f.Aliases {
			if strings.HasPrefix(a, "DL") {
				alias = a
				break
			}
		}
		if alias == "" && len(f.Aliases) > 0 && len(f.Aliases[0]) <= 12 {
			alias = f.Aliases[0]
		}
		if alias != "" {
			rule += " (" + alias + ")"
		}
		text := f.Title
		if f.Fix != "" {
			text += " — fix: " + f.Fix
		}
		t.rows = append(t.rows, []string{f.Location.String(), f.Severity.String(), rule, text})
	}
	return t
}

// idLess orders dotted ids numerically where they are numbers: 1.2 < 1.10.
func idLess(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		var x, y int
		_, errx := fmt.Sscanf(as[i], "%d", &x)
		_, erry := fmt.Sscanf(bs[i], "%d", &y)
		if errx == nil && erry == nil && x != y {
			return x < y
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}

func (p *printer) suppressed(r *report.Report) {
	if len(r.Suppressed) == 0 {
		return
	}
	by := map[string]int{}
	for _, s := range r.Suppressed {
		by[s.By]++
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d by %s", by[k], clean(k))
	}
	p.line("")
	p.line("Suppressed by policy: %d (%s)", len(r.Suppressed), strings.Join(parts, ", "))
	if !p.opts.ShowSuppressed {
		return
	}
	t := &grid{header: []string{"SEVERITY", "ID", "BY", "LOCATION", "STATEMENT"}, flex: 4}
	for _, s := range r.Suppressed {
		st := s.Statement
		if s.VEX != nil {
			st = strings.TrimSpace(s.VEX.Status + " " + s.VEX.Justification + ": " + st)
		}
		if s.Expires != "" {
			st += " (until " + s.Expires + ")"
		}
		t.rows = append(t.rows, []string{s.Finding.Severity.String(), s.Finding.ID, s.By, s.Finding.Location.String(), st})
	}
	p.grid(t, func(row []string) string { return row[0] })
}

func (p *printer) scanners(r *report.Report) {
	var lines []string
	for _, s := range r.Scanners {
		switch s.State {
		case report.StateSkipped:
			lines = append(lines, fmt.Sprintf("%s: NOT SCANNED — %s", clean(s.Name), clean(reason(s))))
		case report.StateFailed:
			lines = append(lines, fmt.Sprintf("%s: FAILED — %s", clean(s.Name), clean(reason(s))))
		}
	}
	if len(lines) == 0 {
		return
	}
	p.heading("Not scanned")
	for _, l := range lines {
		p.line("%s", p.color("HIGH", l))
	}
}

func reason(s report.ScannerStatus) string {
	if s.Reason == "" {
		return "no reason given"
	}
	return s.Reason
}

func (p *printer) warnings(r *report.Report) {
	if len(r.Warnings) == 0 {
		return
	}
	p.heading(fmt.Sprintf("Warnings (%d)", len(r.Warnings)))
	for _, w := range r.Warnings {
		p.line("- %s", clean(w))
	}
}

func (p *printer) summary(r *report.Report) {
	counts, n := r.ActionableCounts()
	p.line("")
	p.line("%s", p.bold(Summary(counts, n)))
}

// Summary is the one-line tally: "N findings: C critical, H high, ...".
func Summary(counts map[finding.Severity]int, total int) string {
	noun := "findings"
	if total == 1 {
		noun = "finding"
	}
	var parts []string
	for s := finding.Critical; s >= finding.Unknown; s-- {
		parts = append(parts, fmt.Sprintf("%d %s", counts[s], strings.ToLower(s.String())))
	}
	return fmt.Sprintf("%d %s: %s", total, noun, strings.Join(parts, ", "))
}

// color wraps s in the ANSI colour of a severity name when colours are on.
func (p *printer) color(sev, s string) string {
	if !p.opts.Color {
		return s
	}
	var code string
	switch sev {
	case "CRITICAL":
		code = "1;31"
	case "HIGH":
		code = "31"
	case "MEDIUM":
		code = "33"
	case "LOW":
		code = "34"
	case "PASS":
		code = "32"
	default:
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p *printer) row(cells []string, widths []int, sev string, header bool) {
	var b strings.Builder
	for i, c := range cells {
		c = truncate(c, widths[i])
		pad := widths[i] - utf8.RuneCountInString(c)
		if i == 0 && sev != "" {
			c = p.color(sev, c)
		}
		if header {
			c = p.bold(c)
		}
		b.WriteString(c)
		if i < len(cells)-1 {
			b.WriteString(strings.Repeat(" ", pad+2))
		}
	}
	p.line("%s", strings.TrimRight(b.String(), " "))
}

func truncate(s string, w int) string {
	if utf8.RuneCountInString(s) <= w {
		return s
	}
	if w <= 1 {
		return "…"
	}
	r := []rune(s)
	return string(r[:w-1]) + "…"
}

// clean makes untrusted text safe for a terminal: control characters
// (escape sequences from a hostile image, newlines) become visible escapes.
func clean(s string) string {
	ok := true
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(' ')
		case unicode.IsControl(r) || r == utf8.RuneError:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
