package table

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// vulnRow is one row of the vulnerability table: one CVE (or, for an
// advisory without one, the advisory) of one installed package.
type vulnRow struct {
	sev      finding.Severity
	score    float64
	kev      *finding.KEV
	epss     float64
	id       string
	pkg      string
	inst     string
	fixed    string
	title    string
	refs     []string // the advisories that name this CVE
	location string
}

// vulnRows turns findings into rows, Trivy-style: an advisory naming five
// CVEs gives five rows, each rated on its own, with the advisory as the
// reference; advisories naming the same CVE for the same package share
// one row.
func vulnRows(fs []finding.Finding) []*vulnRow {
	byKey := map[string]*vulnRow{}
	var rows []*vulnRow
	for i := range fs {
		f := &fs[i]
		var name, inst, path string
		if f.Package != nil {
			name, inst = f.Package.Name, f.Package.Version
		}
		path = f.Location.Path
		fix := f.Fix
		if f.Package != nil && f.Package.FixedVersion != "" {
			fix = f.Package.FixedVersion
		}
		if fix == "" {
			fix = "-"
		}
		type one struct {
			id    string
			sev   finding.Severity
			score float64
			kev   *finding.KEV
			epss  *finding.EPSS
		}
		var ids []one
		for _, c := range f.CVEs {
			ids = append(ids, one{c.ID, c.Severity, c.Score, c.KEV, c.EPSS})
		}
		if len(ids) == 0 {
			ids = []one{{f.ID, f.Severity, f.Score, f.KEV, f.EPSS}}
		}
		for _, o := range ids {
			key := o.id + "\x00" + name + "\x00" + inst + "\x00" + path
			r := byKey[key]
			if r == nil {
				r = &vulnRow{sev: o.sev, score: o.score, kev: o.kev, id: o.id, pkg: name, inst: inst, fixed: fix, title: f.Title, location: path}
				if o.epss != nil {
					r.epss = o.epss.Score
				}
				byKey[key] = r
				rows = append(rows, r)
			} else if o.sev > r.sev {
				r.sev, r.score = o.sev, o.score
			}
			if o.id != f.ID {
				r.refs = append(r.refs, f.ID)
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if (a.kev != nil) != (b.kev != nil) {
			return a.kev != nil
		}
		if a.sev != b.sev {
			return a.sev > b.sev
		}
		if a.epss != b.epss {
			return a.epss > b.epss
		}
		if a.pkg != b.pkg {
			return a.pkg < b.pkg
		}
		return idLess(a.id, b.id)
	})
	return rows
}

func (r *vulnRow) severityCell() string {
	s := r.sev.String()
	if r.kev != nil {
		s += " KEV"
	}
	return s
}

func (r *vulnRow) titleCell() string {
	if len(r.refs) == 0 {
		return r.title
	}
	return strings.Join(r.refs, ", ") + ": " + r.title
}

// minTitle is the narrowest title column the one-line layout accepts.
const minTitle = 20

// vulnerabilities prints the vulnerability table. Severity, id, package
// and versions are never split or cut: when they and a title of at least
// minTitle runes do not fit the width on one line, each row's title goes
// on the lines below it, wrapped (and cut after maxWrapLines).
func (p *printer) vulnerabilities(fs []finding.Finding) {
	rows := vulnRows(fs)
	advisories := len(fs)
	title := fmt.Sprintf("Vulnerabilities (%d)", len(rows))
	if len(rows) != advisories {
		title = fmt.Sprintf("Vulnerabilities (%d in %d advisories)", len(rows), advisories)
	}
	p.heading(title)
	header := []string{"SEVERITY", "ID", "PACKAGE", "INSTALLED", "FIXED"}
	cells := make([][]string, len(rows))
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = utf8.RuneCountInString(h)
	}
	kev := false
	for i, r := range rows {
		cells[i] = []string{r.severityCell(), clean(r.id), clean(r.pkg), clean(r.inst), clean(r.fixed)}
		for j, c := range cells[i] {
			widths[j] = max(widths[j], utf8.RuneCountInString(c))
		}
		kev = kev || r.kev != nil
	}
	fixed := 2 * len(header)
	for _, w := range widths {
		fixed += w
	}
	colour := func(r *vulnRow) string { return r.sev.String() }
	if fixed+minTitle <= p.opts.Width {
		tw := p.opts.Width - fixed
		all := append(append([]int(nil), widths...), 0)
		titleW := utf8.RuneCountInString("TITLE")
		for _, r := range rows {
			titleW = max(titleW, utf8.RuneCountInString(clean(r.titleCell())))
		}
		all[len(all)-1] = min(tw, titleW)
		p.row(append(append([]string(nil), header...), "TITLE"), all, "", true)
		for i, r := range rows {
			lines := wrap(clean(r.titleCell()), all[len(all)-1], maxWrapLines)
			p.row(append(append([]string(nil), cells[i]...), lines[0]), all, colour(r), false)
			for _, l := range lines[1:] {
				blank := make([]string, len(all))
				blank[len(all)-1] = l
				p.row(blank, all, "", false)
			}
		}
	} else {
		// Stacked: the fields of a row on one line, broken only between
		// fields; the title below, indented.
		const indent = 10
		for i, r := range rows {
			c := cells[i]
			fields := []string{c[1], c[2], c[3], "-> " + c[4]}
			line := p.color(colour(r), fmt.Sprintf("%-8s", c[0]))
			used := max(8, utf8.RuneCountInString(c[0]))
			for _, f := range fields {
				n := utf8.RuneCountInString(f)
				if used+2+n > p.opts.Width {
					// Break between fields, never inside one.
					p.line("%s", line)
					line, used = strings.Repeat(" ", indent), indent
					if indent+n > p.opts.Width {
						line, used = "", 0
					}
					line += f
					used += n
					continue
				}
				line += "  " + f
				used += 2 + n
			}
			p.line("%s", line)
			for _, l := range wrap(clean(r.titleCell()), p.opts.Width-indent, maxWrapLines) {
				p.line("%s%s", strings.Repeat(" ", indent), truncate(l, p.opts.Width-indent))
			}
		}
	}
	if kev {
		p.line("KEV: in CISA's Known Exploited Vulnerabilities catalog, exploited in the wild")
	}
}
