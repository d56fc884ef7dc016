package dashboard

import (
	"bytes"
	"net/http"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/audit/netview"
	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// cisSections names the sections of the CIS Docker Benchmark v1.6.0.
var cisSections = map[string]string{
	"1": "Host configuration",
	"2": "Docker daemon configuration",
	"3": "Docker daemon configuration files",
	"4": "Container images and build file",
	"5": "Container runtime",
	"6": "Docker security operations",
	"7": "Docker Swarm configuration",
}

// AuditCheck is one check's result with the host's containers it names.
type AuditCheck struct {
	store.AuditResult
	Containers []string
}

// AuditSection is one section of the audit.
type AuditSection struct {
	ID, Name      string
	Checks        []AuditCheck
	Fail, Pass    int
	Other         int
	OpenByDefault bool
}

// HostImage is an image that runs on the host.
type HostImage struct {
	Digest, Ref string
	Counts      []SevCount
	Containers  int
}

// HostPage is the host page's data.
type HostPage struct {
	Host       store.Host
	Score      int
	Containers []store.Container
	Images     []HostImage
	Sections   []AuditSection
	Alerts     []store.AlertRow
	HasNetwork bool
}

func (d *Dashboard) host(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	h, err := d.st.HostByID(ctx, r.PathValue("id"))
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	p := &HostPage{Host: h, Score: -1}
	if h.AuditPassed+h.AuditFailed > 0 {
		p.Score = h.AuditPassed * 100 / (h.AuditPassed + h.AuditFailed)
	}
	if p.Containers, err = d.st.Containers(ctx, h.ID); err != nil {
		d.fail(w, r, s, err)
		return
	}
	byImage := map[string]*HostImage{}
	for _, c := range p.Containers {
		if len(c.Networks) > 0 || len(c.Ports) > 0 {
			p.HasNetwork = true
		}
		if c.ImageDigest == "" {
			continue
		}
		hi := byImage[c.ImageDigest]
		if hi == nil {
			hi = &HostImage{Digest: c.ImageDigest, Ref: c.ImageRef}
			img, err := d.st.ImageByDigest(ctx, c.ImageDigest)
			if err == nil {
				for _, sev := range severities {
					hi.Counts = append(hi.Counts, SevCount{sev, countSev(img.Findings, sev)})
				}
			}
			byImage[c.ImageDigest] = hi
		}
		hi.Containers++
	}
	for _, hi := range byImage {
		p.Images = append(p.Images, *hi)
	}
	sort.Slice(p.Images, func(i, j int) bool { return p.Images[i].Ref < p.Images[j].Ref })
	results, err := d.st.Audit(ctx, h.ID)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	p.Sections = auditSections(results, p.Containers)
	if p.Alerts, err = d.st.QueryAlerts(ctx, store.AlertQuery{HostID: h.ID, State: store.AlertsAll, Limit: 15}); err != nil {
		d.fail(w, r, s, err)
		return
	}
	title := h.Name
	if title == "" {
		title = h.ID
	}
	d.render(w, r, s, http.StatusOK, "host", "Host "+title, p)
}

// auditSections groups results by CIS section, in check order, and names
// the host's containers that a failing check's detail mentions.
func auditSections(rs []store.AuditResult, ctrs []store.Container) []AuditSection {
	idx := map[string]int{}
	var out []AuditSection
	for _, r := range rs {
		sec, _, _ := strings.Cut(r.CheckID, ".")
		name := cisSections[sec]
		if name == "" {
			sec, name = "other", "Other checks"
		}
		i, ok := idx[sec]
		if !ok {
			i = len(out)
			idx[sec] = i
			out = append(out, AuditSection{ID: sec, Name: name})
		}
		c := AuditCheck{AuditResult: r}
		switch strings.ToLower(r.Status) {
		case "fail", "warn":
			out[i].Fail++
			for _, ct := range ctrs {
				n := strings.TrimPrefix(ct.Name, "/")
				if n != "" && strings.Contains(r.Detail, n) {
					c.Containers = append(c.Containers, n)
				}
			}
		case "pass":
			out[i].Pass++
		default:
			out[i].Other++
		}
		out[i].Checks = append(out[i].Checks, c)
	}
	for i := range out {
		sort.SliceStable(out[i].Checks, func(a, b int) bool {
			return checkLess(out[i].Checks[a].CheckID, out[i].Checks[b].CheckID)
		})
		out[i].OpenByDefault = out[i].Fail > 0
	}
	sort.Slice(out, func(a, b int) bool { return checkLess(out[a].ID, out[b].ID) })
	return out
}

// checkLess orders check ids numerically part by part (5.10 after 5.9).
func checkLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		switch {
		case ea == nil && eb == nil && na != nb:
			return na < nb
		case (ea != nil || eb != nil) && pa[i] != pb[i]:
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

// networkSVG draws the host's network picture from what the agent
// reported: the networks each container is on and its published ports.
func (d *Dashboard) networkSVG(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	h, err := d.st.HostByID(ctx, r.PathValue("id"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ctrs, err := d.st.Containers(ctx, h.ID)
	if err != nil {
		d.log.Error("dashboard network", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := netview.WriteSimpleSVG(&buf, netView(ctrs)); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// netView builds the network view of stored containers.
func netView(ctrs []store.Container) *netview.View {
	v := &netview.View{}
	nets := map[string]*netview.Network{}
	for _, c := range ctrs {
		name := strings.TrimPrefix(c.Name, "/")
		if name == "" {
			name = shortDigest(c.ID)
		}
		vc := netview.Container{ID: c.ID, Name: name, Image: c.ImageRef, Networks: c.Networks}
		for _, n := range c.Networks {
			if n == "host" {
				vc.HostNetwork = true
				v.Exposed = append(v.Exposed, netview.Exposure{Container: name, Reason: "host network"})
			}
			nw := nets[n]
			if nw == nil {
				driver := "bridge"
				if n == "host" || n == "none" {
					driver = n
				}
				nw = &netview.Network{Name: n, Driver: driver, DefaultBridge: n == "bridge"}
				nets[n] = nw
			}
			nw.Members = append(nw.Members, netview.Member{Container: name})
		}
		for _, ps := range c.Ports {
			p, ok := parsePort(ps)
			if !ok {
				continue
			}
			vc.Ports = append(vc.Ports, p)
			if p.External {
				v.Exposed = append(v.Exposed, netview.Exposure{Container: name, Port: p.String(), Reason: "published"})
			}
		}
		v.Containers = append(v.Containers, vc)
	}
	names := make([]string, 0, len(nets))
	for n := range nets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v.Networks = append(v.Networks, *nets[n])
	}
	return v
}

// parsePort reads a published port as Docker prints it:
// "0.0.0.0:8080->80/tcp", "[::]:8080->80/tcp", "127.0.0.1:53->53/udp",
// "8080->80/tcp" (every interface), or a bare "80/tcp" (not published).
func parsePort(s string) (netview.Port, bool) {
	host, ctr, ok := strings.Cut(strings.TrimSpace(s), "->")
	if !ok || ctr == "" {
		return netview.Port{}, false
	}
	ip, portStr := "", host
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		ip, portStr = strings.Trim(host[:i], "[]"), host[i+1:]
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return netview.Port{}, false
	}
	p := netview.Port{HostIP: ip, HostPort: port, ContainerPort: ctr}
	if ip == "" || ip == "0.0.0.0" || ip == "::" {
		p.AllInterfaces, p.External = true, true
	} else if a, err := netip.ParseAddr(ip); err == nil {
		p.External = !a.IsLoopback()
	} else {
		return netview.Port{}, false
	}
	return p, true
}
