package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/sbomread"
	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// maxSBOM bounds the stored SBOM the image page decodes (the API takes no
// larger).
const maxSBOM = 64 << 20

// LayerRow is one layer of an image.
type LayerRow struct {
	Digest    string
	CreatedBy string
	Size      int64
	Packages  int
}

// FindingRow is a finding with its KEV mark.
type FindingRow struct {
	store.Finding
	KEV bool
}

// Advice is one line of the "what to do" summary.
type Advice struct {
	Text    string
	Removes int
}

// ContainerRow is a container with its host's name.
type ContainerRow struct {
	store.Container
	HostName string
}

// ImagePage is the image page's data.
type ImagePage struct {
	Image      store.Image
	Counts     []SevCount
	Total      int
	KEV        int
	Layers     []LayerRow
	Packages   []store.Package
	Findings   []FindingRow
	Containers []ContainerRow
	Summary    string
	Advice     []Advice
	Unfixed    int
	SBOMError  string
	// Secrets (evidence redacted) and failed image checks, as the host's
	// agent sent them.
	Secrets    []store.ImageSecret
	Misconfigs []store.ImageMisconfig
}

// osTypes are the package types a rebuild on an updated base image fixes.
var osTypes = map[string]bool{"deb": true, "apk": true, "rpm": true}

func (d *Dashboard) hostNames(ctx context.Context) (map[string]string, error) {
	hs, err := d.st.Hosts(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(hs))
	for _, h := range hs {
		m[h.ID] = h.Name
		if h.Name == "" {
			m[h.ID] = h.ID
		}
	}
	return m, nil
}

func (d *Dashboard) image(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	digest := r.PathValue("digest")
	img, err := d.st.ImageByDigest(ctx, digest)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	p := &ImagePage{Image: img}
	for _, sev := range severities {
		n := countSev(img.Findings, sev)
		p.Counts = append(p.Counts, SevCount{sev, n})
		p.Total += n
	}
	if p.Packages, err = d.st.Packages(ctx, digest); err != nil {
		d.fail(w, r, s, err)
		return
	}
	fs, err := d.st.Findings(ctx, digest)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	for _, f := range fs {
		row := FindingRow{Finding: f, KEV: d.opts.KEV.Has(f.VulnID, f.Aliases...)}
		if row.KEV {
			p.KEV++
		}
		p.Findings = append(p.Findings, row)
	}
	// KEV first, then by severity (Findings is sorted by severity).
	sort.SliceStable(p.Findings, func(i, j int) bool { return p.Findings[i].KEV && !p.Findings[j].KEV })
	p.Summary, p.Advice, p.Unfixed = advise(fs)
	is, err := d.st.ImageIssuesOf(ctx, digest)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	p.Secrets, p.Misconfigs = is.Secrets, is.Misconfigs
	p.Summary, p.Advice = adviseIssues(p.Summary, p.Advice, len(fs), is)
	ctrs, err := d.st.ContainersOfImage(ctx, digest)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	names, err := d.hostNames(ctx)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	for _, c := range ctrs {
		p.Containers = append(p.Containers, ContainerRow{Container: c, HostName: names[c.HostID]})
	}
	p.Layers, p.SBOMError = d.layers(ctx, digest)
	d.render(w, r, s, http.StatusOK, "image", "Image "+shortDigest(digest), p)
}

// layers reads the image's layers from its stored SBOM: digest, the
// instruction and size where the SBOM carries them, and how many packages
// each added.
func (d *Dashboard) layers(ctx context.Context, digest string) ([]LayerRow, string) {
	sb, err := d.st.ImageSBOM(ctx, digest)
	if err != nil {
		return nil, "the SBOM could not be read"
	}
	if len(sb) > maxSBOM {
		return nil, "the SBOM is larger than 64 MiB"
	}
	rep, err := sbomread.DecodeLimit(bytes.NewReader(sb), maxSBOM)
	if err != nil {
		return nil, "the stored SBOM could not be decoded: " + err.Error()
	}
	perLayer := map[string]int{}
	for _, p := range rep.Packages {
		perLayer[p.Layer]++
	}
	var out []LayerRow
	for _, l := range rep.Target.Layers {
		out = append(out, LayerRow{Digest: l.Digest, CreatedBy: l.CreatedBy, Size: l.Size, Packages: perLayer[l.Digest] + perLayer[l.DiffID]})
	}
	return out, ""
}

// advise sums up what removes the image's findings: a rebuild on an updated
// base (distro packages with a fix), upgrades of the other packages with a
// fix; what has no fix yet.
func advise(fs []store.Finding) (string, []Advice, int) {
	if len(fs) == 0 {
		return "No known vulnerabilities: nothing to do.", nil, 0
	}
	osFix, unfixed := 0, 0
	type up struct {
		name, from string
		to         map[string]bool
		n          int
	}
	ups := map[string]*up{}
	for _, f := range fs {
		switch {
		case f.FixedVersion == "":
			unfixed++
		case osTypes[f.PackageType]:
			osFix++
		default:
			k := f.PackageType + "\x00" + f.PackageName + "\x00" + f.PackageVersion
			u := ups[k]
			if u == nil {
				u = &up{name: f.PackageName, from: f.PackageVersion, to: map[string]bool{}}
				ups[k] = u
			}
			u.to[f.FixedVersion] = true
			u.n++
		}
	}
	var adv []Advice
	if osFix > 0 {
		adv = append(adv, Advice{Text: fmt.Sprintf("Rebuild on the fixed base image (or upgrade the distro packages in the Dockerfile): removes %d of %d findings.", osFix, len(fs)), Removes: osFix})
	}
	list := make([]*up, 0, len(ups))
	for _, u := range ups {
		list = append(list, u)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].n != list[j].n {
			return list[i].n > list[j].n
		}
		return list[i].name < list[j].name
	})
	langFix := 0
	for _, u := range list {
		langFix += u.n
	}
	for i, u := range list {
		if i == 8 {
			adv = append(adv, Advice{Text: fmt.Sprintf("…and %d more package upgrades.", len(list)-i)})
			break
		}
		tos := make([]string, 0, len(u.to))
		for t := range u.to {
			tos = append(tos, t)
		}
		sort.Strings(tos)
		adv = append(adv, Advice{Text: fmt.Sprintf("Upgrade %s %s to %s: removes %d.", u.name, u.from, strings.Join(tos, " or "), u.n), Removes: u.n})
	}
	var sum string
	switch fixable := osFix + langFix; {
	case fixable == 0:
		sum = fmt.Sprintf("The %s %s no fix yet: watch for updates, or ship less in the image.", plural(len(fs), "finding"), map[bool]string{true: "has", false: "have"}[len(fs) == 1])
	case osFix > 0 && langFix > 0:
		sum = fmt.Sprintf("Rebuild on the fixed base and upgrade %s: removes %d of %d findings.", plural(len(list), "package"), fixable, len(fs))
	case osFix > 0:
		sum = fmt.Sprintf("Rebuild on the fixed base: removes %d of %d findings.", osFix, len(fs))
	default:
		sum = fmt.Sprintf("Upgrade %s: removes %d of %d findings.", plural(len(list), "package"), langFix, len(fs))
	}
	return sum, adv, unfixed
}

// adviseIssues adds the image's secrets and misconfigurations to the
// "what to do" summary: secrets first (whoever pulls the image has them).
func adviseIssues(sum string, adv []Advice, vulns int, is store.ImageIssues) (string, []Advice) {
	var pre []Advice
	if n := len(is.Secrets); n > 0 {
		pre = append(pre, Advice{Text: fmt.Sprintf("Rotate %s and remove %s from the image (a later layer that deletes a file does not): whoever pulls the image has %s.",
			map[bool]string{true: "the secret", false: fmt.Sprintf("the %d secrets", n)}[n == 1],
			map[bool]string{true: "it", false: "them"}[n == 1], map[bool]string{true: "it", false: "them"}[n == 1]), Removes: n})
	}
	if n := len(is.Misconfigs); n > 0 {
		pre = append(pre, Advice{Text: fmt.Sprintf("Fix %s in the Dockerfile (see the fixes below).", plural(n, "misconfiguration")), Removes: n})
	}
	if vulns == 0 && len(pre) > 0 {
		var parts []string
		if n := len(is.Secrets); n > 0 {
			parts = append(parts, plural(n, "secret")+" to rotate")
		}
		if n := len(is.Misconfigs); n > 0 {
			parts = append(parts, plural(n, "misconfiguration")+" to fix")
		}
		sum = "No known vulnerabilities; " + strings.Join(parts, " and ") + "."
	}
	return sum, append(pre, adv...)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
