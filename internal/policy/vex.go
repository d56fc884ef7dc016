package policy

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/openvex/go-vex/pkg/vex"
	"github.com/package-url/packageurl-go"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/report"
)

// MaxVEXSize bounds one VEX document.
const MaxVEXSize = 32 << 20

// VEXDoc is one or more OpenVEX documents.
type VEXDoc struct {
	docs []vexSource
	// Warnings name statements that were skipped as invalid; Apply adds
	// them to the report.
	Warnings []string
}

type vexSource struct {
	name string
	doc  *vex.VEX
}

// LoadVEX reads OpenVEX documents from files.
func LoadVEX(paths ...string) (*VEXDoc, error) {
	out := &VEXDoc{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("open VEX document: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(f, MaxVEXSize+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read VEX document %q: %w", p, err)
		}
		if len(data) > MaxVEXSize {
			return nil, fmt.Errorf("VEX document %q: larger than %d bytes", p, MaxVEXSize)
		}
		if err := out.Add(data, p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Add parses one more OpenVEX JSON document into d.
func (d *VEXDoc) Add(data []byte, name string) error {
	doc, err := vex.Parse(data)
	if err != nil {
		return fmt.Errorf("VEX document %q: %w; want an OpenVEX JSON document (https://openvex.dev)", name, err)
	}
	if !strings.HasPrefix(doc.Context, "https://openvex.dev/ns") {
		return fmt.Errorf("VEX document %q: @context %q is not OpenVEX's (https://openvex.dev/ns/...)", name, doc.Context)
	}
	valid := doc.Statements[:0:0]
	for i := range doc.Statements {
		st := &doc.Statements[i]
		if err := validate(st); err != nil {
			d.Warnings = append(d.Warnings, fmt.Sprintf("VEX document %q: statement %d (%s) skipped: %v", name, i+1, st.Vulnerability.Name, err))
			continue
		}
		valid = append(valid, *st)
	}
	doc.Statements = valid
	d.docs = append(d.docs, vexSource{name: name, doc: doc})
	return nil
}

func validate(st *vex.Statement) error {
	if st.Vulnerability.Name == "" && st.Vulnerability.ID == "" && len(st.Vulnerability.Aliases) == 0 {
		return fmt.Errorf("no vulnerability named")
	}
	if !st.Status.Valid() {
		return fmt.Errorf("status %q is not one of %s", st.Status, strings.Join(vex.Statuses(), ", "))
	}
	if len(st.Products) == 0 {
		return fmt.Errorf("no products")
	}
	return nil
}

type candidate struct {
	st   *vex.Statement
	src  *vexSource
	when time.Time
	seq  int
}

// match finds the statement that decides f: of those naming f's
// vulnerability (by name or alias) and product, the latest. It returns it
// when its status is not_affected or fixed.
func (d *VEXDoc) match(r *report.Report, f *finding.Finding) (*report.VEXStatement, bool) {
	if f.Package == nil || f.Package.PURL == "" {
		return nil, false
	}
	ids := append([]string{f.ID}, f.Aliases...)
	var cands []candidate
	seq := 0
	for i := range d.docs {
		src := &d.docs[i]
		for j := range src.doc.Statements {
			st := &src.doc.Statements[j]
			seq++
			if !vulnMatches(&st.Vulnerability, ids) || !productMatches(st.Products, r.Target, f.Package.PURL) {
				continue
			}
			c := candidate{st: st, src: src, seq: seq}
			switch {
			case st.Timestamp != nil:
				c.when = *st.Timestamp
			case src.doc.Timestamp != nil:
				c.when = *src.doc.Timestamp
			}
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return nil, false
	}
	sort.SliceStable(cands, func(a, b int) bool {
		if !cands[a].when.Equal(cands[b].when) {
			return cands[a].when.Before(cands[b].when)
		}
		return cands[a].seq < cands[b].seq
	})
	last := cands[len(cands)-1]
	switch last.st.Status {
	case vex.StatusNotAffected, vex.StatusFixed:
	default:
		return nil, false // affected, under_investigation: keep the finding
	}
	docID := last.src.doc.ID
	if docID == "" {
		docID = last.src.name
	}
	out := &report.VEXStatement{
		Document:        docID,
		Status:          string(last.st.Status),
		Justification:   string(last.st.Justification),
		ImpactStatement: last.st.ImpactStatement,
		ActionStatement: last.st.ActionStatement,
	}
	for _, p := range last.st.Products {
		out.Products = append(out.Products, componentIDs(p.Component)...)
	}
	return out, true
}

func vulnMatches(v *vex.Vulnerability, ids []string) bool {
	names := append([]string{string(v.Name), v.ID}, aliasStrings(v.Aliases)...)
	for _, n := range names {
		if n == "" {
			continue
		}
		for _, id := range ids {
			if strings.EqualFold(n, id) {
				return true
			}
		}
	}
	return false
}

func aliasStrings(a []vex.VulnerabilityID) []string {
	out := make([]string, len(a))
	for i, x := range a {
		out[i] = string(x)
	}
	return out
}

func componentIDs(c vex.Component) []string {
	var ids []string
	if c.ID != "" {
		ids = append(ids, c.ID)
	}
	keys := make([]string, 0, len(c.Identifiers))
	for k := range c.Identifiers {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := c.Identifiers[vex.IdentifierType(k)]; v != "" && v != c.ID {
			ids = append(ids, v)
		}
	}
	return ids
}

// purlMatches reports whether the statement's purl names pkg: same type,
// namespace and name; the same version when the statement gives one; and
// the statement's qualifiers, if any, all present in pkg.
func purlMatches(stmt, pkg string) bool {
	if !strings.HasPrefix(stmt, "pkg:") {
		return false
	}
	return vex.PurlMatches(stmt, pkg)
}

// productMatches: a product whose own id is the package purl matches; a
// product with subcomponents matches when it names the scanned target and a
// subcomponent names the package.
func productMatches(products []vex.Product, t report.Target, pkgPURL string) bool {
	for _, p := range products {
		for _, id := range componentIDs(p.Component) {
			if purlMatches(id, pkgPURL) {
				return true
			}
		}
		if len(p.Subcomponents) == 0 || !targetMatches(p.Component, t) {
			continue
		}
		for _, sc := range p.Subcomponents {
			for _, id := range componentIDs(sc.Component) {
				if purlMatches(id, pkgPURL) {
					return true
				}
			}
		}
	}
	return false
}

// targetMatches reports whether a VEX product names the scanned target: by
// an oci purl (digest, or name without version), the image reference or
// digest, or a sha256 hash.
func targetMatches(c vex.Component, t report.Target) bool {
	digests := map[string]bool{}
	for _, d := range append([]string{t.Digest, t.ImageID}, t.RepoDigests...) {
		if i := strings.LastIndexByte(d, '@'); i >= 0 {
			d = d[i+1:]
		}
		if d != "" {
			digests[d] = true
		}
	}
	for alg, h := range c.Hashes {
		if strings.EqualFold(string(alg), "sha-256") || strings.EqualFold(string(alg), "sha256") {
			if digests["sha256:"+string(h)] {
				return true
			}
		}
	}
	repo := t.Name
	if i := strings.LastIndexByte(repo, '@'); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndexByte(repo, ':'); i > strings.LastIndexByte(repo, '/') {
		repo = repo[:i]
	}
	short := strings.ToLower(repo[strings.LastIndexByte(repo, '/')+1:])
	for _, id := range componentIDs(c) {
		if id == t.Name || digests[id] {
			return true
		}
		if i := strings.LastIndexByte(id, '@'); i >= 0 && digests[id[i+1:]] && !strings.HasPrefix(id, "pkg:") {
			return true
		}
		if p, err := packageurl.FromString(id); err == nil && p.Type == "oci" {
			if p.Version != "" {
				if digests[p.Version] {
					return true
				}
				continue
			}
			if p.Name == short {
				return true
			}
		}
	}
	return false
}
