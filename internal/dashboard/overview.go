package dashboard

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// Severities in display order.
var severities = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}

// SevCount is one severity's count.
type SevCount struct {
	Severity string
	Count    int
}

// ImageRow is an image in a list, with its counts.
type ImageRow struct {
	Digest   string
	Ref      string
	Counts   []SevCount
	Total    int
	KEV      int
	Fixable  int
	Running  int // containers running it
	Hosts    int
	score    int
	Severity map[string]int
}

// HostRow is a host with its audit score.
type HostRow struct {
	store.Host
	Running int
	Score   int // percent of audit checks passed, -1 without an audit
}

// Overview is the overview page's data. Its numbers are those of the API's
// lists: hosts (GET /api/v1/hosts), images (GET /api/v1/images) and their
// finding counts.
type Overview struct {
	Hosts             int
	Containers        int
	RunningContainers int
	Images            int
	RunningImages     int
	// Findings in images that a container runs, by severity.
	Running []SevCount
	// Findings in every stored image, by severity.
	All          []SevCount
	RunningTotal int
	AllTotal     int
	KEVRunning   int // findings in running images that are in the KEV catalog
	KEVImages    int // running images with at least one KEV finding
	// Secrets and failed image checks in images that a container runs.
	SecretsRunning    int
	SecretImages      int
	MisconfigsRunning int
	Worst             []ImageRow
	HostRows          []HostRow
	OpenAlerts        []SevCount // by priority, last 24 h
	OpenTotal         int
	Recent            []store.AlertRow
	Trend             template.HTML
	TrendDays         []store.TrendDay
}

// imageRows joins images, containers and finding counts into rows keyed by
// digest.
func (d *Dashboard) imageRows(ctx context.Context, refs map[string][]string, ctrs []store.Container) (map[string]*ImageRow, error) {
	counts, kev, err := d.findingCounts(ctx)
	if err != nil {
		return nil, err
	}
	rows := make(map[string]*ImageRow, len(refs))
	for dg, rs := range refs {
		r := &ImageRow{Digest: dg, Severity: map[string]int{}}
		if len(rs) > 0 {
			r.Ref = rs[0]
		}
		rows[dg] = r
	}
	for _, c := range counts {
		r := rows[c.ImageDigest]
		if r == nil {
			continue
		}
		r.Severity[c.Severity] += c.N
		if c.Fixable {
			r.Fixable += c.N
		}
	}
	for dg, n := range kev {
		if r := rows[dg]; r != nil {
			r.KEV = n
		}
	}
	for _, r := range rows {
		for _, s := range severities {
			n := countSev(r.Severity, s)
			r.Counts = append(r.Counts, SevCount{s, n})
			r.Total += n
		}
	}
	hosts := map[string]map[string]bool{}
	for _, c := range ctrs {
		r := rows[c.ImageDigest]
		if r == nil || !isRunning(c) {
			continue
		}
		r.Running++
		if hosts[c.ImageDigest] == nil {
			hosts[c.ImageDigest] = map[string]bool{}
		}
		hosts[c.ImageDigest][c.HostID] = true
	}
	for dg, hs := range hosts {
		rows[dg].Hosts = len(hs)
	}
	for _, r := range rows {
		r.score = r.KEV*1_000_000 + countSev(r.Severity, "CRITICAL")*10_000 + countSev(r.Severity, "HIGH")*100 + countSev(r.Severity, "MEDIUM")
	}
	return rows, nil
}

// findingCounts returns every image's finding counts and KEV counts, from
// the cache while no match changed them. Counts read within a second of the
// last match are not kept: a match in the same millisecond would not change
// the version.
func (d *Dashboard) findingCounts(ctx context.Context) ([]store.FindingCount, map[string]int, error) {
	version, last, err := d.st.FindingsVersion(ctx)
	if err != nil {
		return nil, nil, err
	}
	c := &d.counts
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version == version && c.counts != nil {
		return c.counts, c.kev, nil
	}
	counts, err := d.st.FindingCounts(ctx)
	if err != nil {
		return nil, nil, err
	}
	kev := map[string]int{}
	if len(d.opts.KEV) > 0 {
		ids := make([]string, 0, len(d.opts.KEV))
		for id := range d.opts.KEV {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		if kev, err = d.st.CountByVulns(ctx, ids); err != nil {
			return nil, nil, err
		}
	}
	if d.opts.Now().Sub(last) > time.Second {
		c.version, c.counts, c.kev = version, counts, kev
	} else {
		c.version, c.counts, c.kev = "", nil, nil
	}
	return counts, kev, nil
}

// findingTrend returns the last 30 days of the trend, from the cache while
// no match changed the findings (the trend reads findings and their change
// records, which only a match writes) and the day is the same.
func (d *Dashboard) findingTrend(ctx context.Context, now time.Time) ([]store.TrendDay, error) {
	version, last, err := d.st.FindingsVersion(ctx)
	if err != nil {
		return nil, err
	}
	key := version + "@" + now.UTC().Format("2006-01-02")
	c := &d.counts
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.trendKey == key && c.trend != nil {
		return c.trend, nil
	}
	trend, err := d.st.FindingTrend(ctx, now.AddDate(0, 0, -29), now)
	if err != nil {
		return nil, err
	}
	c.trendKey, c.trend = "", nil
	if now.Sub(last) > time.Second {
		c.trendKey, c.trend = key, trend
	}
	return trend, nil
}

// countSev reads a severity count, whatever the stored case.
func countSev(m map[string]int, sev string) int {
	n := 0
	for k, v := range m {
		if strings.EqualFold(k, sev) || (sev == "UNKNOWN" && store.SeverityRank(k) <= 1 && !strings.EqualFold(k, "LOW")) {
			n += v
		}
	}
	return n
}

// isRunning: a container the agent reported without a state counts as
// running (the agent reports what runs).
func isRunning(c store.Container) bool { return c.State == "" || strings.EqualFold(c.State, "running") }

func (d *Dashboard) buildOverview(ctx context.Context) (*Overview, error) {
	hosts, err := d.st.Hosts(ctx)
	if err != nil {
		return nil, err
	}
	ctrs, err := d.st.Containers(ctx, "")
	if err != nil {
		return nil, err
	}
	refs, err := d.st.ImageRefs(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := d.imageRows(ctx, refs, ctrs)
	if err != nil {
		return nil, err
	}
	issues, err := d.st.IssueCounts(ctx)
	if err != nil {
		return nil, err
	}
	o := &Overview{Hosts: len(hosts), Containers: len(ctrs), Images: len(refs)}
	runningPerHost := map[string]int{}
	for _, c := range ctrs {
		if isRunning(c) {
			o.RunningContainers++
			runningPerHost[c.HostID]++
		}
	}
	run := map[string]int{}
	all := map[string]int{}
	list := make([]*ImageRow, 0, len(rows))
	for _, r := range rows {
		list = append(list, r)
		for _, c := range r.Counts {
			all[c.Severity] += c.Count
			if r.Running > 0 {
				run[c.Severity] += c.Count
			}
		}
		if r.Running > 0 {
			o.RunningImages++
			o.KEVRunning += r.KEV
			if r.KEV > 0 {
				o.KEVImages++
			}
			ic := issues[r.Digest]
			o.SecretsRunning += ic.Secrets
			o.MisconfigsRunning += ic.Misconfigs
			if ic.Secrets > 0 {
				o.SecretImages++
			}
		}
	}
	for _, s := range severities {
		o.Running = append(o.Running, SevCount{s, run[s]})
		o.All = append(o.All, SevCount{s, all[s]})
		o.RunningTotal += run[s]
		o.AllTotal += all[s]
	}
	// Worst first: running before not running, then KEV, critical, high.
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if (a.Running > 0) != (b.Running > 0) {
			return a.Running > 0
		}
		if a.score != b.score {
			return a.score > b.score
		}
		return a.Digest < b.Digest
	})
	for _, r := range list[:min(10, len(list))] {
		if r.Total > 0 {
			o.Worst = append(o.Worst, *r)
		}
	}
	for _, h := range hosts {
		score := -1
		if h.AuditPassed+h.AuditFailed > 0 {
			score = h.AuditPassed * 100 / (h.AuditPassed + h.AuditFailed)
		}
		o.HostRows = append(o.HostRows, HostRow{Host: h, Running: runningPerHost[h.ID], Score: score})
	}
	sort.SliceStable(o.HostRows, func(i, j int) bool { return o.HostRows[i].Score < o.HostRows[j].Score })
	now := d.opts.Now()
	counts, err := d.st.OpenAlertCounts(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return nil, err
	}
	for _, p := range alertPriorities {
		if n := counts[p]; n > 0 {
			o.OpenAlerts = append(o.OpenAlerts, SevCount{p, n})
			o.OpenTotal += n
		}
	}
	if o.Recent, err = d.st.QueryAlerts(ctx, store.AlertQuery{State: store.AlertsOpen, Limit: 8}); err != nil {
		return nil, err
	}
	if o.TrendDays, err = d.findingTrend(ctx, now); err != nil {
		return nil, err
	}
	o.Trend = trendSVG(o.TrendDays)
	return o, nil
}

var alertPriorities = []string{"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFORMATIONAL", "DEBUG"}

func (d *Dashboard) overview(w http.ResponseWriter, r *http.Request, s *session) {
	o, err := d.buildOverview(r.Context())
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, http.StatusOK, "overview", "Overview", o)
}

// trendSVG draws the findings trend: per day, bars of findings first seen
// (up) and findings fixed (down), with a labelled axis. Only numbers and
// dates go into it.
func trendSVG(days []store.TrendDay) template.HTML {
	const W, H, padL, padB, padT = 720, 200, 64, 22, 10
	maxN := 1
	for _, d := range days {
		maxN = max(maxN, d.New, d.Fixed)
	}
	n := max(1, len(days))
	mid := float64(padT) + float64(H-padT-padB)/2
	half := float64(H-padT-padB) / 2
	bw := float64(W-padL-4) / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="trend-title" preserveAspectRatio="none">`, W, H)
	b.WriteString(`<title id="trend-title">Findings first seen (up) and fixed (down) per day, last 30 days</title>`)
	fmt.Fprintf(&b, `<line class="axis" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, padL, mid, W, mid)
	fmt.Fprintf(&b, `<text class="lbl" x="%d" y="%.1f" text-anchor="end">%d new</text>`, padL-4, float64(padT)+8, maxN)
	fmt.Fprintf(&b, `<text class="lbl" x="%d" y="%.1f" text-anchor="end">0</text>`, padL-4, mid+4)
	fmt.Fprintf(&b, `<text class="lbl" x="%d" y="%d" text-anchor="end">%d fixed</text>`, padL-4, H-padB, maxN)
	for i, d := range days {
		x := float64(padL) + float64(i)*bw + 1
		if d.New > 0 {
			h := half * float64(d.New) / float64(maxN)
			fmt.Fprintf(&b, `<rect class="bar-new" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d new</title></rect>`,
				x, mid-h, bw-2, h, d.Day.Format("2006-01-02"), d.New)
		}
		if d.Fixed > 0 {
			h := half * float64(d.Fixed) / float64(maxN)
			fmt.Fprintf(&b, `<rect class="bar-fixed" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d fixed</title></rect>`,
				x, mid, bw-2, h, d.Day.Format("2006-01-02"), d.Fixed)
		}
		if (i%7 == 0 && i+3 < len(days)) || i == len(days)-1 {
			anchor := "start"
			if i == len(days)-1 {
				anchor = "end"
				x += bw - 2
			}
			fmt.Fprintf(&b, `<text class="lbl" x="%.1f" y="%d" text-anchor="%s">%s</text>`, x, H-4, anchor, d.Day.Format("Jan 2"))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
