// Package markdown writes a report as GitHub-flavoured Markdown for pull
// request comments: a summary table, then one findings table per kind, with
// every cell escaped so that untrusted text cannot break the table or inject
// markup.
package markdown

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
	"github.com/bulkhead-sec/bulkhead/internal/report/format/table"
)

// Options are the options all formats share; markdown uses ShowPackages and
// ShowSuppressed.
type Options = report.WriteOptions

// MaxRows bounds each findings table, so that a comment stays under the
// size limits of code hosts; the rest is counted.
const MaxRows = 200

var kinds = []struct {
	kind  finding.Kind
	title string
}{
	{finding.Vulnerability, "Vulnerabilities"},
	{finding.Secret, "Secrets"},
	{finding.Misconfiguration, "Misconfigurations"},
	{finding.Compliance, "Compliance"},
	{finding.Runtime, "Runtime alerts"},
}

// Write writes r as Markdown.
func Write(w io.Writer, r *report.Report, opts Options) error {
	bw := bufio.NewWriter(w)
	pf := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	pf("## bulkhead: %s\n\n", esc(r.Target.Name))
	counts, total := r.ActionableCounts()
	pf("| Target | Kind | OS | Packages | Findings |\n|---|---|---|---|---|\n")
	osName := ""
	if o := r.Target.OS; o != nil {
		osName = o.PrettyName
		if osName == "" {
			osName = strings.TrimSpace(o.ID + " " + o.VersionID)
		}
	}
	pf("| %s | %s | %s | %d | %d |\n\n", code(r.Target.Name), esc(r.Target.Kind), esc(osName), len(r.Packages), total)
	pf("| Severity | Count |\n|---|---:|\n")
	for s := finding.Critical; s >= finding.Unknown; s-- {
		pf("| %s | %d |\n", s, counts[s])
	}
	pf("\n")
	if r.Target.Digest != "" {
		pf("Digest: %s\n\n", code(r.Target.Digest))
	}

	for _, s := range r.Scanners {
		switch s.State {
		case report.StateSkipped:
			pf("> [!WARNING]\n> **%s: not scanned** — %s\n\n", esc(s.Name), esc(s.Reason))
		case report.StateFailed:
			pf("> [!CAUTION]\n> **%s: failed** — %s\n\n", esc(s.Name), esc(s.Reason))
		}
	}

	byKind := map[finding.Kind][]finding.Finding{}
	for _, f := range r.Findings {
		byKind[f.Kind] = append(byKind[f.Kind], f)
	}
	for _, k := range kinds {
		fs := byKind[k.kind]
		if len(fs) == 0 {
			continue
		}
		if k.kind == finding.Compliance {
			compliance(pf, fs)
			continue
		}
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity > fs[j].Severity })
		pf("### %s (%d)\n\n", k.title, len(fs))
		switch k.kind {
		case finding.Vulnerability:
			pf("| Severity | ID | Package | Installed | Fixed | Title |\n|---|---|---|---|---|---|\n")
		case finding.Compliance:
			pf("| Result | ID | Severity | Title |\n|---|---|---|---|\n")
		default:
			pf("| Severity | ID | Location | Title |\n|---|---|---|---|\n")
		}
		for i, f := range fs {
			if i == MaxRows {
				pf("\n…and %d more.\n", len(fs)-MaxRows)
				break
			}
			pf("%s\n", row(&f))
		}
		pf("\n")
	}

	if opts.ShowPackages && len(r.Packages) > 0 {
		pf("### Packages (%d)\n\n| Type | Name | Version | Licenses | Path |\n|---|---|---|---|---|\n", len(r.Packages))
		for i, p := range r.Packages {
			if i == MaxRows*5 {
				pf("\n…and %d more.\n", len(r.Packages)-i)
				break
			}
			pf("| %s | %s | %s | %s | %s |\n", esc(p.Type), esc(p.Name), esc(p.Version), esc(strings.Join(p.Licenses, ", ")), code(p.Path))
		}
		pf("\n")
	}

	if len(r.Suppressed) > 0 {
		pf("<details><summary>%d suppressed by policy</summary>\n\n", len(r.Suppressed))
		if opts.ShowSuppressed || len(r.Suppressed) <= MaxRows {
			pf("| ID | By | Location | Statement |\n|---|---|---|---|\n")
			for i, s := range r.Suppressed {
				if i == MaxRows {
					pf("\n…and %d more.\n", len(r.Suppressed)-MaxRows)
					break
				}
				st := s.Statement
				if s.VEX != nil {
					st = s.VEX.Status + ": " + st
				}
				pf("| %s | %s | %s | %s |\n", esc(s.Finding.ID), esc(s.By), code(s.Finding.Location.String()), esc(st))
			}
		}
		pf("\n</details>\n\n")
	}
	if len(r.Warnings) > 0 {
		pf("**Warnings**\n\n")
		for _, w := range r.Warnings {
			pf("- %s\n", esc(w))
		}
		pf("\n")
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write markdown: %w", err)
	}
	return nil
}

func row(f *finding.Finding) string {
	switch f.Kind {
	case finding.Vulnerability:
		var name, inst, fix string
		if f.Package != nil {
			name, inst, fix = f.Package.Name, f.Package.Version, f.Package.FixedVersion
		}
		if fix == "" {
			fix = f.Fix
		}
		id := esc(f.ID)
		if len(f.References) > 0 && strings.HasPrefix(f.References[0], "https://") {
			id = "[" + id + "](" + urlEsc(f.References[0]) + ")"
		}
		return fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", f.Severity, id, esc(name), esc(inst), esc(fix), esc(f.Title))
	case finding.Compliance:
		st := string(f.Status)
		if st == "" {
			st = string(finding.StatusFail)
		}
		return fmt.Sprintf("| %s | %s | %s | %s |", esc(st), esc(f.ID), f.Severity, esc(f.Title))
	}
	return fmt.Sprintf("| %s | %s | %s | %s |", f.Severity, esc(f.ID), code(f.Location.String()), esc(f.Title))
}

// compliance writes one row per check with its verdict and "n of m
// containers", and under it the failing containers and skip reasons.
func compliance(pf func(string, ...any), fs []finding.Finding) {
	cs := table.Checks(fs)
	pf("### Compliance: %s\n\n| Result | ID | Severity | Check |\n|---|---|---|---|\n", table.TallyLine(cs))
	for i, c := range cs {
		if i == MaxRows {
			pf("\n…and %d more checks.\n", len(cs)-MaxRows)
			break
		}
		title := esc(c.Title)
		if sc := c.Scope(); sc != "" {
			title += " — " + esc(sc)
		}
		if d := c.Details(); len(d) > 0 {
			var items []string
			for j, line := range d {
				if j == 20 {
					items = append(items, fmt.Sprintf("…and %d more", len(d)-20))
					break
				}
				items = append(items, "• "+esc(line))
			}
			title += "<br>" + strings.Join(items, "<br>")
		}
		pf("| %s | %s | %s | %s |\n", esc(string(c.Status)), esc(c.ID), c.Severity, title)
	}
	pf("\n")
}

// esc makes untrusted text one safe table cell: pipes and Markdown/HTML
// metacharacters are escaped, line breaks become spaces.
func esc(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
		case strings.ContainsRune("\\|`*_[]<>#!~", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// code renders s as inline code; pipes still need escaping inside tables.
func code(s string) string {
	if s == "" {
		return ""
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		case r == '`':
			return '\''
		}
		return r
	}, s)
	return "`" + strings.ReplaceAll(s, "|", "\\|") + "`"
}

func urlEsc(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "|", "%7C", "<", "%3C", ">", "%3E").Replace(u)
}
