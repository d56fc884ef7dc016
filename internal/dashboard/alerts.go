package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// ProcNode is one process of an alert's process tree, oldest ancestor first.
type ProcNode struct {
	Name, Cmdline, PID string
}

// AlertView is an alert on the alerts page.
type AlertView struct {
	store.AlertRow
	Tree   []ProcNode
	Fields []KV
}

// KV is a field of an alert.
type KV struct{ Key, Value string }

// AlertsPage is the alerts page's data.
type AlertsPage struct {
	Filter     url.Values
	State      string
	Priority   string
	Rule       string
	HostID     string
	Container  string
	Since      string
	Until      string
	Rules      []string
	Hosts      []store.Host
	Alerts     []AlertView
	Mutes      []store.Mute
	More       string // the URL of the next (older) page, or empty
	Message    string
	Priorities []string
	States     []string
	Durations  []string
}

const pageSize = 50

// notices are the messages a redirect may ask the alerts page to show (by
// code: the URL carries no text of its own to the page).
var notices = map[string]string{
	"acked": "Alert acknowledged.",
	"muted": "Rule muted: its alerts are under “muted” until the mute ends.",
}

// datetime-local inputs send "2006-01-02T15:04" (no zone: read as UTC).
const localTime = "2006-01-02T15:04"

func parseLocal(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{localTime, "2006-01-02T15:04:05", time.RFC3339, "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t
		}
	}
	return time.Time{}
}

func (d *Dashboard) alerts(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	q := r.URL.Query()
	msg := q.Get("msg")
	q.Del("msg") // not carried into the forms and links
	p := &AlertsPage{Filter: q, State: q.Get("state"), Priority: strings.ToUpper(q.Get("priority")), Rule: q.Get("rule"),
		HostID: q.Get("host"), Container: q.Get("container"), Since: q.Get("since"), Until: q.Get("until"),
		Message: notices[msg], Priorities: alertPriorities,
		States:    []string{store.AlertsOpen, store.AlertsAcked, store.AlertsMuted, store.AlertsAll},
		Durations: []string{"1h", "8h", "24h", "168h"}}
	if p.State == "" {
		p.State = store.AlertsOpen
	}
	if store.PriorityRank(p.Priority) < 0 {
		p.Priority = ""
	}
	aq := store.AlertQuery{HostID: p.HostID, ContainerID: p.Container, Rule: p.Rule, MinPriority: p.Priority,
		Since: parseLocal(p.Since), Until: parseLocal(p.Until), State: p.State, Limit: pageSize + 1}
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 {
		aq.Before = time.UnixMilli(b)
	}
	rows, err := d.st.QueryAlerts(ctx, aq)
	if err != nil {
		d.fail(w, r, s, err)
		return
	}
	if len(rows) > pageSize {
		rows = rows[:pageSize]
		// Alerts at the same millisecond as the last one shown would be
		// skipped by a strict "before"; one millisecond later is the best
		// cursor a time gives, and duplicates are harmless.
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("before", strconv.FormatInt(rows[len(rows)-1].At.UnixMilli()+1, 10))
		if next.Get("before") == q.Get("before") {
			next.Set("before", strconv.FormatInt(rows[len(rows)-1].At.UnixMilli(), 10))
		}
		p.More = "/alerts?" + next.Encode()
	}
	for _, a := range rows {
		p.Alerts = append(p.Alerts, AlertView{AlertRow: a, Tree: procTree(a.Fields), Fields: sortedFields(a.Fields)})
	}
	if p.Rules, err = d.st.AlertRules(ctx, 500); err != nil {
		d.fail(w, r, s, err)
		return
	}
	if p.Hosts, err = d.st.Hosts(ctx); err != nil {
		d.fail(w, r, s, err)
		return
	}
	if p.Mutes, err = d.st.Mutes(ctx); err != nil {
		d.fail(w, r, s, err)
		return
	}
	d.render(w, r, s, http.StatusOK, "alerts", "Alerts", p)
}

func sortedFields(f map[string]string) []KV {
	out := make([]KV, 0, len(f))
	for k, v := range f {
		out = append(out, KV{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// procTree reads the process and its ancestors from Falco's fields:
// proc.aname[N] (N up to 6), proc.pname, proc.name with their command
// lines and pids where present.
func procTree(f map[string]string) []ProcNode {
	var out []ProcNode
	for n := 6; n >= 2; n-- {
		name := f[fmt.Sprintf("proc.aname[%d]", n)]
		if name == "" {
			continue
		}
		out = append(out, ProcNode{Name: name, PID: f[fmt.Sprintf("proc.apid[%d]", n)]})
	}
	if f["proc.pname"] != "" {
		out = append(out, ProcNode{Name: f["proc.pname"], Cmdline: f["proc.pcmdline"], PID: f["proc.ppid"]})
	}
	if f["proc.name"] != "" {
		out = append(out, ProcNode{Name: f["proc.name"], Cmdline: f["proc.cmdline"], PID: f["proc.pid"]})
	}
	return out
}

// back returns the alerts page to go back to after a form: the form's
// "back" when it is a local alerts URL.
func back(r *http.Request, msg string) string {
	b := r.PostFormValue("back")
	if !strings.HasPrefix(b, "/alerts") || safeNext(b) != b {
		b = "/alerts"
	}
	u, err := url.Parse(b)
	if err != nil {
		return "/alerts"
	}
	q := u.Query()
	q.Del("msg")
	if msg != "" {
		q.Set("msg", msg)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (d *Dashboard) ackAlert(w http.ResponseWriter, r *http.Request, s *session) {
	host, id := r.PostFormValue("host"), r.PostFormValue("id")
	if err := d.st.AckAlert(r.Context(), host, id, s.user); err != nil {
		d.fail(w, r, s, err)
		return
	}
	_ = d.st.LogAdmin(r.Context(), store.AdminEntry{Actor: s.user, Action: "alert.ack", Target: host + "/" + id})
	http.Redirect(w, r, back(r, "acked"), http.StatusSeeOther)
}

func (d *Dashboard) muteAlert(w http.ResponseWriter, r *http.Request, s *session) {
	dur, err := time.ParseDuration(r.PostFormValue("for"))
	if err != nil || dur <= 0 || dur > 90*24*time.Hour {
		d.renderError(w, r, s, http.StatusBadRequest, "A mute needs a duration between 1 minute and 90 days.")
		return
	}
	m := store.Mute{Rule: r.PostFormValue("rule"), Actor: s.user, Until: d.opts.Now().Add(dur)}
	switch r.PostFormValue("scope") {
	case "host":
		m.HostID = r.PostFormValue("host")
	case "container":
		m.HostID, m.ContainerID = r.PostFormValue("host"), r.PostFormValue("container")
	}
	m, err = d.st.AddMute(r.Context(), m)
	if err != nil {
		d.renderError(w, r, s, http.StatusBadRequest, "Could not mute: "+err.Error())
		return
	}
	_ = d.st.LogAdmin(r.Context(), store.AdminEntry{Actor: s.user, Action: "alert.mute", Target: m.Rule,
		Detail: fmt.Sprintf("host=%q container=%q until=%s", m.HostID, m.ContainerID, m.Until.Format(time.RFC3339))})
	http.Redirect(w, r, back(r, "muted"), http.StatusSeeOther)
}
