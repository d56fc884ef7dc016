package store

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/testfixture/postgres"
)

// TestDashboardQueries runs the dashboard's queries against SQLite and
// PostgreSQL.
func TestDashboardQueries(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { dashboardQueries(t, sqliteOpener(t)) })
	t.Run("postgres", func(t *testing.T) {
		c := postgres.Start(t)
		st, err := Open(context.Background(), c.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		dashboardQueries(t, st)
	})
}

func dashboardQueries(t *testing.T, st *Store) {
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Users and roles.
	must(st.CreateUser(ctx, "ann", "a long enough password"))
	if r, err := st.UserRole(ctx, "ann"); err != nil || r != RoleRead {
		t.Errorf("new user's role = %q, %v; want read", r, err)
	}
	must(st.SetUserRole(ctx, "ann", RoleAdmin))
	if r, _ := st.UserRole(ctx, "ann"); r != RoleAdmin {
		t.Errorf("role after SetUserRole = %q", r)
	}
	if err := st.SetUserRole(ctx, "ann", "root"); err == nil {
		t.Error("SetUserRole took the role root")
	}
	if err := st.SetUserRole(ctx, "nobody", RoleRead); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetUserRole of an unknown user: %v", err)
	}
	if _, err := st.UserRole(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserRole of an unknown user: %v", err)
	}

	// A fleet: two hosts, images, findings with aliases, alerts.
	must(st.TouchHost(ctx, Host{ID: "h1", Name: "one"}))
	must(st.TouchHost(ctx, Host{ID: "h2", Name: "two"}))
	imgA, imgB := "sha256:aaaa", "sha256:bbbb"
	_, err := st.PutImage(ctx, Image{Digest: imgA, Refs: []string{"shop/web:1", "100%_real:2"}}, []byte(`{}`), []Package{{Name: "openssl", Version: "3", Type: "deb"}})
	must(err)
	_, err = st.PutImage(ctx, Image{Digest: imgB, Refs: []string{"shop/db:1"}}, []byte(`{}`), nil)
	must(err)
	v0, _, err := st.FindingsVersion(ctx)
	must(err)
	_, err = st.ReplaceFindings(ctx, imgA, []Finding{
		{VulnID: "DSA-1", Aliases: []string{"CVE-2024-1"}, PackageName: "openssl", PackageVersion: "3", PackageType: "deb", Severity: "HIGH", FixedVersion: "4"},
		{VulnID: "CVE-2024-2", PackageName: "openssl", PackageVersion: "3", PackageType: "deb", Severity: "HIGH"},
		{VulnID: "CVE-2024-3", PackageName: "zlib", PackageVersion: "1", PackageType: "deb", Severity: "LOW", FixedVersion: "2"},
	}, time.Now())
	must(err)
	_, err = st.ReplaceFindings(ctx, imgB, []Finding{{VulnID: "CVE-2024-2", PackageName: "libssl", PackageVersion: "3", Severity: "HIGH"}}, time.Now())
	must(err)
	v1, last, err := st.FindingsVersion(ctx)
	must(err)
	if v1 == v0 || time.Since(last) > time.Minute {
		t.Errorf("FindingsVersion did not move with a match: %s -> %s (%s)", v0, v1, last)
	}
	counts, err := st.FindingCounts(ctx)
	must(err)
	var cs []string
	for _, c := range counts {
		cs = append(cs, c.ImageDigest+" "+c.Severity+" "+map[bool]string{true: "fix", false: "nofix"}[c.Fixable]+" "+string(rune('0'+c.N)))
	}
	sort.Strings(cs)
	if got := strings.Join(cs, ","); got != "sha256:aaaa HIGH fix 1,sha256:aaaa HIGH nofix 1,sha256:aaaa LOW fix 1,sha256:bbbb HIGH nofix 1" {
		t.Errorf("FindingCounts = %s", got)
	}
	kev, err := st.CountByVulns(ctx, []string{"CVE-2024-1", "CVE-2024-2", "CVE-2099-9"})
	must(err)
	if kev[imgA] != 2 || kev[imgB] != 1 || len(kev) != 2 {
		t.Errorf("CountByVulns = %v, want a:2 (one by alias) b:1", kev)
	}
	trend, err := st.FindingTrend(ctx, time.Now().AddDate(0, 0, -2), time.Now())
	must(err)
	if len(trend) != 3 || trend[2].New != 4 {
		t.Errorf("trend = %+v, want 3 days, 4 new today", trend)
	}
	if _, err := st.FindingTrend(ctx, time.Now(), time.Now().AddDate(-20, 0, 0)); err == nil {
		t.Error("FindingTrend took a reversed range")
	}
	img, err := st.ImageByDigest(ctx, imgA)
	must(err)
	if img.Findings["HIGH"] != 2 || img.Findings["LOW"] != 1 || len(img.Refs) != 2 {
		t.Errorf("ImageByDigest = %+v", img)
	}
	if _, err := st.ImageByDigest(ctx, "sha256:none"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ImageByDigest of an unknown digest: %v", err)
	}
	for q, want := range map[string]string{"shop/": imgA + "," + imgB, "web": imgA, "sha256:bb": imgB, "%": imgA, "_": imgA, `","`: "", "nothing": "", "": ""} {
		imgs, err := st.ImagesByRef(ctx, q, 10)
		must(err)
		var ds []string
		for _, i := range imgs {
			ds = append(ds, i.Digest)
		}
		if got := strings.Join(ds, ","); got != want {
			t.Errorf("ImagesByRef(%q) = %s, want %s", q, got, want)
		}
	}

	must(st.ReplaceContainers(ctx, "h1", []Container{{ID: "c1", Name: "/web", ImageDigest: imgA, State: "running"}}))
	must(st.ReplaceContainers(ctx, "h2", []Container{{ID: "c2", Name: "/web2", ImageDigest: imgA}, {ID: "c3", Name: "/db", ImageDigest: imgB}}))
	ctrs, err := st.ContainersOfImage(ctx, imgA)
	must(err)
	if len(ctrs) != 2 || ctrs[0].HostID != "h1" || ctrs[1].HostID != "h2" {
		t.Errorf("ContainersOfImage = %+v", ctrs)
	}
	h, err := st.HostByID(ctx, "h2")
	must(err)
	if h.Name != "two" || h.Containers != 2 {
		t.Errorf("HostByID = %+v", h)
	}
	if _, err := st.HostByID(ctx, "h9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("HostByID of an unknown host: %v", err)
	}

	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	_, err = st.PutAlerts(ctx, "h1", []Alert{
		{ID: "a1", At: base, Rule: "Shell", Priority: "NOTICE", ContainerID: "c1"},
		{ID: "a2", At: base.Add(time.Minute), Rule: "Shell", Priority: "NOTICE", ContainerID: "c1"},
		{ID: "a3", At: base.Add(2 * time.Minute), Rule: "Write etc", Priority: "CRITICAL", ContainerID: "c1"},
	})
	must(err)
	_, err = st.PutAlerts(ctx, "h2", []Alert{{ID: "a1", At: base.Add(3 * time.Minute), Rule: "Shell", Priority: "WARNING", ContainerID: "c2"}})
	must(err)
	ids := func(q AlertQuery) string {
		t.Helper()
		rows, err := st.QueryAlerts(ctx, q)
		if err != nil {
			t.Fatalf("QueryAlerts(%+v): %v", q, err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.HostID+"/"+r.ID)
		}
		return strings.Join(out, ",")
	}
	for _, tt := range []struct {
		q    AlertQuery
		want string
	}{
		{AlertQuery{}, "h2/a1,h1/a3,h1/a2,h1/a1"},
		{AlertQuery{Limit: 2}, "h2/a1,h1/a3"},
		{AlertQuery{HostID: "h1"}, "h1/a3,h1/a2,h1/a1"},
		{AlertQuery{Rule: "Shell"}, "h2/a1,h1/a2,h1/a1"},
		{AlertQuery{ContainerID: "web"}, "h1/a3,h1/a2,h1/a1"},
		{AlertQuery{ContainerID: "c2"}, "h2/a1"},
		{AlertQuery{MinPriority: "warning"}, "h2/a1,h1/a3"},
		{AlertQuery{Since: base.Add(time.Minute), Until: base.Add(3 * time.Minute)}, "h1/a3,h1/a2"},
		{AlertQuery{Before: base.Add(2 * time.Minute)}, "h1/a2,h1/a1"},
		{AlertQuery{Rule: "' OR 1=1 --"}, ""},
		{AlertQuery{HostID: "h\x00"}, ""},
	} {
		if got := ids(tt.q); got != tt.want {
			t.Errorf("QueryAlerts(%+v) = %s, want %s", tt.q, got, tt.want)
		}
	}
	rows, err := st.QueryAlerts(ctx, AlertQuery{HostID: "h1", Limit: 1})
	must(err)
	if rows[0].HostName != "one" || rows[0].ContainerName != "/web" {
		t.Errorf("alert row names: %+v", rows[0])
	}
	rules, err := st.AlertRules(ctx, 10)
	must(err)
	if strings.Join(rules, ",") != "Shell,Write etc" {
		t.Errorf("AlertRules = %v", rules)
	}

	// Acknowledge, mute.
	must(st.AckAlert(ctx, "h1", "a3", "ann"))
	must(st.AckAlert(ctx, "h1", "a3", "bob")) // the first stays
	if err := st.AckAlert(ctx, "h1", "zz", "ann"); !errors.Is(err, ErrNotFound) {
		t.Errorf("AckAlert of an unknown alert: %v", err)
	}
	rows, err = st.QueryAlerts(ctx, AlertQuery{State: AlertsAcked})
	must(err)
	if len(rows) != 1 || rows[0].ID != "a3" || rows[0].AckedBy != "ann" || rows[0].AckedAt.IsZero() {
		t.Errorf("acked = %+v", rows)
	}
	if got := ids(AlertQuery{}); got != "h2/a1,h1/a2,h1/a1" {
		t.Errorf("open after the ack = %s", got)
	}
	if _, err := st.AddMute(ctx, Mute{Rule: "Shell", Until: time.Now().Add(-time.Minute), Actor: "ann"}); err == nil {
		t.Error("AddMute took a past expiry")
	}
	if _, err := st.AddMute(ctx, Mute{Until: time.Now().Add(time.Hour), Actor: "ann"}); err == nil {
		t.Error("AddMute took no rule")
	}
	_, err = st.AddMute(ctx, Mute{Rule: "Shell", HostID: "h1", ContainerID: "c1", Until: time.Now().Add(time.Hour), Actor: "ann"})
	must(err)
	if got := ids(AlertQuery{}); got != "h2/a1" {
		t.Errorf("open after muting Shell on h1/c1 = %s", got)
	}
	if got := ids(AlertQuery{State: AlertsMuted}); got != "h1/a2,h1/a1" {
		t.Errorf("muted = %s", got)
	}
	if got := ids(AlertQuery{State: AlertsAll}); got != "h2/a1,h1/a3,h1/a2,h1/a1" {
		t.Errorf("all = %s", got)
	}
	counts2, err := st.OpenAlertCounts(ctx, base)
	must(err)
	if len(counts2) != 1 || counts2["WARNING"] != 1 {
		t.Errorf("OpenAlertCounts = %v", counts2)
	}
	mutes, err := st.Mutes(ctx)
	must(err)
	if len(mutes) != 1 || mutes[0].Rule != "Shell" || mutes[0].HostID != "h1" {
		t.Errorf("Mutes = %+v", mutes)
	}
	// A mute everywhere covers the other host too.
	_, err = st.AddMute(ctx, Mute{Rule: "Shell", Until: time.Now().Add(time.Hour), Actor: "ann"})
	must(err)
	if got := ids(AlertQuery{}); got != "" {
		t.Errorf("open after muting Shell everywhere = %s", got)
	}
	// Retention takes the acknowledgements with their alerts.
	_, err = st.Retain(ctx, time.Now(), time.Time{}, time.Time{})
	must(err)
	var n int
	must(st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM alert_acks`).Scan(&n))
	if n != 0 {
		t.Errorf("%d acknowledgements left after their alerts were removed", n)
	}
}
