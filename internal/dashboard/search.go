package dashboard

import (
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// vulnLike matches advisory ids: CVE-, GHSA-, and distro or ecosystem ids
// such as DSA-, RUSTSEC-, PYSEC-, GO-, ALSA-, RHSA-.
var vulnLike = regexp.MustCompile(`(?i)^(CVE|GHSA|[A-Z]{2,10})-[0-9A-Za-z:.-]+$`)

// SearchHost is a host where the searched thing runs.
type SearchHost struct {
	ID, Name   string
	Containers []SearchContainer
}

// SearchContainer is a container running a matching image.
type SearchContainer struct {
	ID, Name, ImageDigest, What string
}

// SearchImage is a matching image that no container runs.
type SearchImage struct {
	Digest, Ref, What string
}

// SearchPage is the search page's data.
type SearchPage struct {
	Q       string
	Kind    string // "vulnerability", "package", "image", or ""
	KEV     bool
	Hosts   []SearchHost
	Idle    []SearchImage
	Images  int
	Matches int
	Limited bool
}

const maxSearchRows = 5000

func (d *Dashboard) search(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 256 {
		q = q[:256]
	}
	p := &SearchPage{Q: q}
	if q == "" {
		d.render(w, r, s, http.StatusOK, "search", "Search", p)
		return
	}
	var hits []store.Hit
	var err error
	if vulnLike.MatchString(q) {
		up := strings.ToUpper(q)
		if strings.HasPrefix(up, "GHSA-") {
			up = "GHSA-" + strings.ToLower(q[5:]) // GHSA ids are lower case after the prefix
		}
		if hits, err = d.st.SearchVuln(ctx, up); err != nil {
			d.fail(w, r, s, err)
			return
		}
		if len(hits) == 0 && up != q {
			hits, err = d.st.SearchVuln(ctx, q)
		}
		p.Kind, p.KEV = "vulnerability", d.opts.KEV.Has(up)
	}
	if err == nil && len(hits) == 0 {
		if hits, err = d.st.SearchPackage(ctx, q); err == nil && len(hits) > 0 {
			p.Kind = "package"
		}
	}
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	names, err := d.hostNames(ctx)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	hosts := map[string]*SearchHost{}
	idle := map[string]*SearchImage{}
	images := map[string]bool{}
	add := func(hostID, cid, cname, digest, what string) {
		images[digest] = true
		if cid == "" {
			if idle[digest] == nil {
				idle[digest] = &SearchImage{Digest: digest, What: what}
			}
			return
		}
		h := hosts[hostID]
		if h == nil {
			h = &SearchHost{ID: hostID, Name: names[hostID]}
			hosts[hostID] = h
		}
		for _, c := range h.Containers {
			if c.ID == cid {
				return
			}
		}
		h.Containers = append(h.Containers, SearchContainer{ID: cid, Name: strings.TrimPrefix(cname, "/"), ImageDigest: digest, What: what})
	}
	for _, h := range hits {
		what := h.PackageName + " " + h.PackageVersion
		if h.VulnID != "" {
			what = h.VulnID + " in " + what
		}
		add(h.HostID, h.ContainerID, h.ContainerName, h.ImageDigest, what)
	}
	if len(hits) == 0 {
		imgs, err := d.st.ImagesByRef(ctx, q, 200)
		if err != nil {
			d.fail(w, r, s, err)
			return
		}
		if len(imgs) > 0 {
			p.Kind = "image"
		}
		for _, img := range imgs {
			ctrs, err := d.st.ContainersOfImage(ctx, img.Digest)
			if err != nil {
				d.fail(w, r, s, err)
				return
			}
			ref := strings.Join(img.Refs, ", ")
			if len(ctrs) == 0 {
				add("", "", "", img.Digest, ref)
			}
			for _, c := range ctrs {
				add(c.HostID, c.ID, c.Name, img.Digest, c.ImageRef)
			}
		}
	}
	p.Matches, p.Limited, p.Images = len(hits), len(hits) >= maxSearchRows, len(images)
	for _, h := range hosts {
		sort.Slice(h.Containers, func(i, j int) bool { return h.Containers[i].Name < h.Containers[j].Name })
		p.Hosts = append(p.Hosts, *h)
	}
	sort.Slice(p.Hosts, func(i, j int) bool { return p.Hosts[i].Name < p.Hosts[j].Name })
	for _, i := range idle {
		p.Idle = append(p.Idle, *i)
	}
	sort.Slice(p.Idle, func(i, j int) bool { return p.Idle[i].Digest < p.Idle[j].Digest })
	d.render(w, r, s, http.StatusOK, "search", "Search: "+q, p)
}
