package table

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// CheckResult is one compliance check with the findings it gave: one per
// container for a container check, one (or a few host objects) otherwise.
type CheckResult struct {
	ID       string
	Title    string
	Severity finding.Severity
	// Status is the verdict of the check: FAIL when any finding fails,
	// else WARN, else SKIP when every finding was skipped, else INFO, else
	// PASS.
	Status finding.Status
	// Containers is how many containers the check judged (0 for a host
	// check); Failed how many of them fail or warn; Skipped how many were
	// skipped.
	Containers, Failed, Skipped int
	// Findings are the findings of the check, failing ones first.
	Findings []finding.Finding
}

// Section is the section a check id belongs to: the number before the
// first dot, "community" for docker-bench's community checks (C.*), or
// "bulkhead" for checks the benchmark has no number for.
func Section(id string) string {
	if strings.HasPrefix(id, "C.") {
		return "community"
	}
	s := id
	if i := strings.IndexByte(id, '.'); i > 0 {
		s = id[:i]
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "bulkhead"
		}
	}
	return s
}

// Checks groups compliance findings by check, in id order.
func Checks(fs []finding.Finding) []CheckResult {
	by := map[string]*CheckResult{}
	var order []string
	for _, f := range fs {
		c := by[f.ID]
		if c == nil {
			c = &CheckResult{ID: f.ID, Title: f.Title}
			by[f.ID] = c
			order = append(order, f.ID)
		}
		c.Findings = append(c.Findings, f)
		if f.Severity > c.Severity {
			c.Severity = f.Severity
		}
		if f.Location.ContainerName != "" || f.Location.ContainerID != "" {
			c.Containers++
			switch status(f) {
			case finding.StatusFail, finding.StatusWarn:
				c.Failed++
			case finding.StatusSkip:
				c.Skipped++
			}
		}
	}
	sort.Slice(order, func(i, j int) bool { return idLess(order[i], order[j]) })
	out := make([]CheckResult, 0, len(order))
	for _, id := range order {
		c := by[id]
		c.Status = verdict(c.Findings)
		sort.SliceStable(c.Findings, func(i, j int) bool { return rank(status(c.Findings[i])) < rank(status(c.Findings[j])) })
		out = append(out, *c)
	}
	return out
}

func status(f finding.Finding) finding.Status {
	if f.Status == "" {
		return finding.StatusFail
	}
	return f.Status
}

func rank(s finding.Status) int {
	switch s {
	case finding.StatusFail:
		return 0
	case finding.StatusWarn:
		return 1
	case finding.StatusSkip:
		return 2
	case finding.StatusInfo:
		return 3
	}
	return 4
}

func verdict(fs []finding.Finding) finding.Status {
	best := finding.StatusPass
	skips := 0
	for _, f := range fs {
		s := status(f)
		if s == finding.StatusSkip {
			skips++
			continue
		}
		if rank(s) < rank(best) {
			best = s
		}
	}
	if skips == len(fs) {
		return finding.StatusSkip
	}
	return best
}

// Scope says in words how many containers a check judged and how many
// failed: "3 of 11 containers", "all 11 containers pass".
func (c CheckResult) Scope() string {
	if c.Containers == 0 {
		return ""
	}
	judged := c.Containers - c.Skipped
	var s string
	switch {
	case judged == 0:
		s = fmt.Sprintf("%d %s skipped", c.Containers, plural(c.Containers, "container"))
	case c.Failed == 0 && c.Status == finding.StatusInfo:
		s = fmt.Sprintf("%d %s to verify", judged, plural(judged, "container"))
	case c.Failed == 0 && judged == 1:
		s = "the 1 container passes"
	case c.Failed == 0:
		s = fmt.Sprintf("all %d containers pass", judged)
	default:
		verb := "fail"
		if c.Failed == 1 {
			verb = "fails"
		}
		s = fmt.Sprintf("%d of %d %s %s", c.Failed, judged, plural(judged, "container"), verb)
	}
	if c.Skipped > 0 && judged > 0 {
		s += fmt.Sprintf(", %d skipped", c.Skipped)
	}
	return s
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}

// Details are the lines under a check: each failing container (name,
// image, evidence), the reasons for skips, the evidence of a failing or
// skipped host check. A passing check has none.
func (c CheckResult) Details() []string {
	var out []string
	seenSkip := map[string]bool{}
	for _, f := range c.Findings {
		s := status(f)
		ev := strings.TrimSpace(f.Evidence)
		line := who(f)
		switch {
		case ev != "" && line != "" && !strings.HasPrefix(ev, line):
			line += ": " + ev
		case ev != "":
			line = ev // the evidence names its object already
		}
		switch {
		case s == finding.StatusFail || s == finding.StatusWarn:
			out = append(out, line)
		case s == finding.StatusSkip:
			// One line per distinct reason: eleven containers skipped for
			// the same reason read as one.
			if seenSkip[ev] {
				continue
			}
			seenSkip[ev] = true
			if c.Containers > 1 && f.Location.ContainerName != "" {
				line = ev // the same reason for several containers
			}
			out = append(out, line)
		}
	}
	return out
}

// who names what a finding is about: "web (nginx:1.25): " for a container,
// "/etc/docker: " for a host object.
func who(f finding.Finding) string {
	l := f.Location
	switch {
	case l.ContainerName != "" || l.ContainerID != "":
		n := l.ContainerName
		if n == "" {
			n = l.ContainerID
			if len(n) > 12 {
				n = n[:12]
			}
		}
		if img := l.Object; img != "" {
			// An image given by digest is named by its short id.
			if strings.HasPrefix(img, "sha256:") && len(img) > 19 {
				img = img[:19]
			}
			return n + " (" + img + ")"
		}
		return n
	case l.Object != "":
		return l.Object
	}
	return l.Path
}

// Tally counts checks (not findings) by verdict.
func Tally(cs []CheckResult) map[finding.Status]int {
	t := map[finding.Status]int{}
	for _, c := range cs {
		t[c.Status]++
	}
	return t
}

// TallyLine is "52 checks: 30 pass, 12 fail, 3 warn, 5 info, 2 skip".
func TallyLine(cs []CheckResult) string {
	t := Tally(cs)
	var parts []string
	for _, s := range []finding.Status{finding.StatusPass, finding.StatusFail, finding.StatusWarn, finding.StatusInfo, finding.StatusSkip} {
		if t[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", t[s], strings.ToLower(string(s))))
		}
	}
	return fmt.Sprintf("%d %s: %s", len(cs), plural(len(cs), "check"), strings.Join(parts, ", "))
}

func (p *printer) compliance(fs []finding.Finding) {
	cs := Checks(fs)
	p.heading("Compliance: " + TallyLine(cs))
	t := &grid{header: []string{"RESULT", "ID", "SEVERITY", "CHECK"}, flex: 3}
	sec := ""
	for _, c := range cs {
		if s := Section(c.ID); s != sec {
			sec = s
			var in []CheckResult
			for _, d := range cs {
				if Section(d.ID) == s {
					in = append(in, d)
				}
			}
			name := "Section " + s
			switch s {
			case "bulkhead":
				name = "bulkhead checks"
			case "community":
				name = "Community checks (docker-bench-security)"
			}
			t.rows = append(t.rows, []string{"", "", "", name + " — " + TallyLine(in)})
		}
		title := c.Title
		if sc := c.Scope(); sc != "" {
			title += " — " + sc
		}
		t.rows = append(t.rows, []string{string(c.Status), c.ID, c.Severity.String(), title})
		for _, d := range c.Details() {
			t.rows = append(t.rows, []string{"", "", "", "* " + d})
		}
	}
	p.grid(t, func(row []string) string {
		switch finding.Status(row[0]) {
		case finding.StatusFail:
			return "HIGH"
		case finding.StatusWarn:
			return "MEDIUM"
		case finding.StatusPass:
			return "PASS"
		}
		return ""
	})
}
