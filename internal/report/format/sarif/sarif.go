// Package sarif writes a report as SARIF 2.1.0, the format GitHub code
// scanning and most CI dashboards read: one run whose driver is bulkhead,
// one rule per finding id, one result per finding.
package sarif

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// Options are the options all formats share; sarif uses none of them.
type Options = report.WriteOptions

const (
	schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	version   = "2.1.0"
	infoURI   = "https://github.com/bulkhead-sec/bulkhead"
)

// The SARIF document, limited to what bulkhead writes.
type (
	document struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []run  `json:"runs"`
	}
	run struct {
		Tool              tool              `json:"tool"`
		Invocations       []invocation      `json:"invocations,omitempty"`
		Results           []result          `json:"results"`
		OriginalURIBaseID map[string]uriRef `json:"originalUriBaseIds,omitempty"`
		Properties        map[string]any    `json:"properties,omitempty"`
	}
	uriRef struct {
		URI string `json:"uri"`
	}
	// invocation says whether the run did all it was asked: a scanner that
	// could not run is a tool execution notification, and the execution
	// is not successful.
	invocation struct {
		ExecutionSuccessful bool           `json:"executionSuccessful"`
		Notifications       []notification `json:"toolExecutionNotifications,omitempty"`
	}
	notification struct {
		Level      string            `json:"level"`
		Message    message           `json:"message"`
		Descriptor *descriptorRef    `json:"descriptor,omitempty"`
		Properties map[string]string `json:"properties,omitempty"`
	}
	descriptorRef struct {
		ID string `json:"id"`
	}
	tool struct {
		Driver driver `json:"driver"`
	}
	driver struct {
		Name           string `json:"name"`
		Version        string `json:"version,omitempty"`
		InformationURI string `json:"informationUri"`
		Rules          []rule `json:"rules"`
	}
	rule struct {
		ID               string         `json:"id"`
		Name             string         `json:"name,omitempty"`
		ShortDescription message        `json:"shortDescription"`
		FullDescription  message        `json:"fullDescription"`
		HelpURI          string         `json:"helpUri,omitempty"`
		Help             *message       `json:"help,omitempty"`
		DefaultConfig    ruleConfig     `json:"defaultConfiguration"`
		Properties       ruleProperties `json:"properties"`
	}
	ruleConfig struct {
		Level string `json:"level"`
	}
	ruleProperties struct {
		SecuritySeverity string   `json:"security-severity"`
		Precision        string   `json:"precision"`
		Tags             []string `json:"tags"`
	}
	message struct {
		Text string `json:"text"`
	}
	result struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             message           `json:"message"`
		Locations           []location        `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	location struct {
		PhysicalLocation *physicalLocation `json:"physicalLocation,omitempty"`
		LogicalLocations []logicalLocation `json:"logicalLocations,omitempty"`
	}
	physicalLocation struct {
		ArtifactLocation artifactLocation `json:"artifactLocation"`
		Region           *region          `json:"region,omitempty"`
	}
	artifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
		EndLine     int `json:"endLine,omitempty"`
	}
	logicalLocation struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
		Kind               string `json:"kind"`
	}
)

// Write writes r as a SARIF 2.1.0 log. Compliance results that passed, were
// skipped or are informational are left out: SARIF results are problems.
func Write(w io.Writer, r *report.Report, _ Options) error {
	doc := document{Schema: schemaURI, Version: version, Runs: []run{build(r)}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	return nil
}

func build(r *report.Report) run {
	d := driver{Name: "bulkhead", Version: r.ToolVersion, InformationURI: infoURI, Rules: []rule{}}
	index := map[string]int{}
	results := []result{}
	for i := range r.Findings {
		f := &r.Findings[i]
		if !report.Actionable(f) {
			continue
		}
		ri, ok := index[f.ID]
		if !ok {
			ri = len(d.Rules)
			index[f.ID] = ri
			d.Rules = append(d.Rules, newRule(f))
		} else if sev := securitySeverity(f); higher(sev, d.Rules[ri].Properties.SecuritySeverity) {
			// A rule's severity is that of its worst result.
			d.Rules[ri].Properties.SecuritySeverity = sev
			d.Rules[ri].DefaultConfig.Level = level(f.Severity)
		}
		results = append(results, newResult(r, f, ri))
	}
	ru := run{Tool: tool{Driver: d}, Results: results}
	inv := invocation{ExecutionSuccessful: true}
	for _, sc := range r.Scanners {
		if sc.State == report.StateDone {
			continue
		}
		lvl := "warning"
		if sc.State == report.StateFailed {
			lvl = "error"
			inv.ExecutionSuccessful = false
		}
		inv.Notifications = append(inv.Notifications, notification{Level: lvl,
			Message:    message{Text: sc.Name + " scanner " + sc.State + ": " + sc.Reason},
			Descriptor: &descriptorRef{ID: "scanner/" + sc.Name},
			Properties: map[string]string{"scanner": sc.Name, "state": sc.State}})
	}
	if len(r.Scanners) > 0 {
		ru.Invocations = []invocation{inv}
	}
	if r.Target.Kind == report.KindImage || r.Target.Name != "" {
		ru.Properties = map[string]any{"target": r.Target.Name, "targetKind": r.Target.Kind}
		if r.Target.Digest != "" {
			ru.Properties["digest"] = r.Target.Digest
		}
	}
	return ru
}

func higher(a, b string) bool {
	x, _ := strconv.ParseFloat(a, 64)
	y, _ := strconv.ParseFloat(b, 64)
	return x > y
}

func newRule(f *finding.Finding) rule {
	short := f.Title
	if short == "" {
		short = f.ID
	}
	full := f.Description
	if full == "" {
		full = short
	}
	ru := rule{
		ID:               f.ID,
		ShortDescription: message{Text: short},
		FullDescription:  message{Text: full},
		DefaultConfig:    ruleConfig{Level: level(f.Severity)},
		Properties: ruleProperties{
			SecuritySeverity: securitySeverity(f),
			Precision:        "very-high",
			Tags:             tags(f),
		},
	}
	if f.Kind == finding.Vulnerability && f.Package != nil {
		ru.Name = f.Package.Name + " " + f.ID
	}
	for _, ref := range f.References {
		if u, err := url.Parse(ref); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			ru.HelpURI = ref
			break
		}
	}
	help := helpText(f)
	ru.Help = &message{Text: help}
	return ru
}

func helpText(f *finding.Finding) string {
	var b strings.Builder
	b.WriteString(f.Title)
	if f.Fix != "" {
		b.WriteString("\nFix: " + f.Fix)
	}
	for _, ref := range f.References {
		b.WriteString("\n" + ref)
	}
	return b.String()
}

func tags(f *finding.Finding) []string {
	t := []string{"security", string(f.Kind)}
	for _, x := range f.Tags {
		if x != "" && x != "security" && x != string(f.Kind) {
			t = append(t, x)
		}
	}
	return t
}

// securitySeverity is GitHub's security-severity: the CVSS score when known,
// else a value inside the band GitHub maps to the same severity
// (critical > 9.0, high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9).
func securitySeverity(f *finding.Finding) string {
	if f.Score > 0 && f.Score <= 10 {
		return strconv.FormatFloat(f.Score, 'f', 1, 64)
	}
	switch f.Severity {
	case finding.Critical:
		return "9.5"
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.5"
	case finding.Low:
		return "2.0"
	}
	return "0.0"
}

func level(s finding.Severity) string {
	switch s {
	case finding.Critical, finding.High:
		return "error"
	case finding.Medium:
		return "warning"
	}
	return "note"
}

func newResult(r *report.Report, f *finding.Finding, ruleIndex int) result {
	res := result{
		RuleID:              f.ID,
		RuleIndex:           ruleIndex,
		Level:               level(f.Severity),
		Message:             message{Text: resultMessage(f)},
		Locations:           []location{newLocation(r, f)},
		PartialFingerprints: map[string]string{"bulkheadFindingKey/v1": fingerprint(f)},
	}
	props := map[string]any{"severity": f.Severity.String(), "kind": string(f.Kind)}
	if f.Location.Layer != "" {
		props["layer"] = f.Location.Layer
	}
	if f.Location.RemovedIn != "" {
		props["removedIn"] = f.Location.RemovedIn
	}
	if f.Status != "" {
		props["status"] = string(f.Status)
	}
	if f.SeveritySource != "" {
		props["severitySource"] = f.SeveritySource
	}
	if len(f.CVSS) > 0 {
		props["cvssVector"] = f.CVSS[0].Vector
		props["cvssScore"] = f.CVSS[0].Score
	}
	if len(f.CVEs) > 0 {
		ids := make([]string, len(f.CVEs))
		for i, c := range f.CVEs {
			ids[i] = c.ID
		}
		props["cves"] = ids
	}
	if f.KEV != nil {
		props["kev"] = true
		props["kevDateAdded"] = f.KEV.DateAdded
		if f.KEV.DueDate != "" {
			props["kevDueDate"] = f.KEV.DueDate
		}
	}
	if f.EPSS != nil {
		props["epssScore"] = f.EPSS.Score
		props["epssPercentile"] = f.EPSS.Percentile
	}
	res.Properties = props
	return res
}

func resultMessage(f *finding.Finding) string {
	var parts []string
	switch {
	case f.Kind == finding.Vulnerability && f.Package != nil:
		parts = append(parts, fmt.Sprintf("Package: %s\nInstalled version: %s", f.Package.Name, f.Package.Version))
		fix := f.Package.FixedVersion
		if fix == "" {
			fix = f.Fix
		}
		if fix == "" {
			fix = "none"
		}
		parts = append(parts, "Fixed version: "+fix, fmt.Sprintf("Vulnerability %s (%s): %s", f.ID, f.Severity, f.Title))
	default:
		parts = append(parts, fmt.Sprintf("%s (%s): %s", f.ID, f.Severity, f.Title))
		if f.Evidence != "" {
			parts = append(parts, "Evidence: "+f.Evidence)
		}
		if f.Fix != "" {
			parts = append(parts, "Fix: "+f.Fix)
		}
	}
	if loc := f.Location.String(); loc != "" {
		parts = append(parts, "Location: "+loc)
	}
	return strings.Join(parts, "\n")
}

func newLocation(r *report.Report, f *finding.Finding) location {
	l := f.Location
	if l.Path != "" && !strings.Contains(l.Path, "[") && !isConfigField(l.Path) {
		pl := &physicalLocation{ArtifactLocation: artifactLocation{URI: pathURI(l.Path)}}
		if l.Line > 0 {
			pl.Region = &region{StartLine: l.Line, StartColumn: l.Column}
			if l.EndLine >= l.Line {
				pl.Region.EndLine = l.EndLine
			}
		}
		return location{PhysicalLocation: pl}
	}
	// Not a file: a config field, a container, a host object. GitHub
	// requires a physical location, so the target itself stands in, and the
	// logical location names the object.
	name, kind := l.Path, "member"
	switch {
	case l.ContainerName != "" || l.ContainerID != "":
		name, kind = l.ContainerName, "container"
		if name == "" {
			name = l.ContainerID
		}
	case l.Object != "":
		name, kind = l.Object, "object"
	}
	if name == "" {
		name = r.Target.Name
	}
	return location{
		PhysicalLocation: &physicalLocation{ArtifactLocation: artifactLocation{URI: targetURI(r)}},
		LogicalLocations: []logicalLocation{{Name: name, FullyQualifiedName: l.String(), Kind: kind}},
	}
}

// isConfigField reports whether p names an image config field rather than a file.
func isConfigField(p string) bool {
	return strings.HasPrefix(p, "config.") || strings.HasPrefix(p, "history")
}

func pathURI(p string) string {
	p = strings.TrimPrefix(p, "/")
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func targetURI(r *report.Report) string {
	name := r.Target.Name
	if name == "" {
		name = r.Target.Kind
	}
	if name == "" {
		name = "target"
	}
	return url.PathEscape(name)
}

// fingerprint is stable across runs for the same finding at the same place,
// so that code scanning tracks it rather than opening a new alert.
func fingerprint(f *finding.Finding) string {
	sum := sha256.Sum256([]byte(f.Key()))
	return hex.EncodeToString(sum[:16])
}
