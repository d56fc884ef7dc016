package server

import (
	"bytes"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/sbomread"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
	"github.com/bulkhead-sec/bulkhead/internal/server/api"
	"github.com/bulkhead-sec/bulkhead/internal/store"
)

// maxQuery bounds a query parameter's length.
const maxQuery = 512

func query(r *http.Request, name string) (string, error) {
	v := r.URL.Query().Get(name)
	if len(v) > maxQuery {
		return "", errStatus(http.StatusBadRequest, "query parameter %s is longer than %d bytes", name, maxQuery)
	}
	return v, nil
}

func (s *Server) hosts(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.cfg.Store.Hosts(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"hosts": hs})
}

func (s *Server) containers(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.cfg.Store.Containers(r.Context(), r.PathValue("host"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"containers": cs})
}

func (s *Server) hostAudit(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.cfg.Store.Audit(r.Context(), r.PathValue("host"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"results": rs})
}

func (s *Server) images(w http.ResponseWriter, r *http.Request) error {
	imgs, err := s.cfg.Store.Images(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"images": imgs})
}

func (s *Server) findings(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.cfg.Store.Findings(r.Context(), r.PathValue("digest"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"digest": r.PathValue("digest"), "findings": fs})
}

// vulnIDRe tells a vulnerability id (CVE-2024-1234, GHSA-xxxx-xxxx-xxxx,
// DSA-5139-1, PYSEC-2021-142, ...) from a package name.
var vulnIDRe = regexp.MustCompile(`(?i)^([a-z]+-\d{4}-\d+|ghsa(-[0-9a-z]{4}){3}|[a-z]+-\d+(-\d+)?)$`)

// search answers "where is CVE-X" and "where is package P": q is a
// vulnerability id (any alias) or a package name.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "q")
	if err != nil {
		return err
	}
	q = strings.TrimSpace(q)
	if q == "" {
		return errStatus(http.StatusBadRequest, "missing q: a vulnerability id (CVE-2024-1234, GHSA-...) or a package name")
	}
	var hits []store.Hit
	kind := "package"
	if vulnIDRe.MatchString(q) {
		// Prefixes are upper case (CVE-, GHSA-); GHSA's id body is not.
		i := strings.IndexByte(q, '-')
		id := strings.ToUpper(q[:i]) + q[i:]
		if !strings.HasPrefix(id, "GHSA-") {
			id = strings.ToUpper(id)
		}
		kind = "vulnerability"
		if hits, err = s.cfg.Store.SearchVuln(r.Context(), id); err != nil {
			return err
		}
	}
	if len(hits) == 0 {
		// A package name can look like an id (lib-2): try it as a name too.
		ph, err := s.cfg.Store.SearchPackage(r.Context(), q)
		if err != nil {
			return err
		}
		if len(ph) > 0 || kind == "package" {
			kind, hits = "package", ph
		}
	}
	running := 0
	for _, h := range hits {
		if h.ContainerID != "" {
			running++
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"q": q, "kind": kind, "running": running, "hits": hits})
}

func (s *Server) changes(w http.ResponseWriter, r *http.Request) error {
	since, err := sinceParam(r, 24*time.Hour)
	if err != nil {
		return err
	}
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	cs, err := s.cfg.Store.Changes(r.Context(), since, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"since": since, "changes": cs})
}

// sinceParam reads since=RFC3339 or since=DURATION (24h: that long ago).
func sinceParam(r *http.Request, def time.Duration) (time.Time, error) {
	v, err := query(r, "since")
	if err != nil {
		return time.Time{}, err
	}
	if v == "" {
		if def == 0 {
			return time.Time{}, nil
		}
		return time.Now().Add(-def), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, errStatus(http.StatusBadRequest, "since: want an RFC 3339 time (2026-01-02T15:04:05Z) or a duration (24h)")
}

func limitParam(r *http.Request) (int, error) {
	v, err := query(r, "limit")
	if err != nil || v == "" {
		return 1000, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return 0, errStatus(http.StatusBadRequest, "limit: want a number from 1 to 10000")
	}
	return n, nil
}

func (s *Server) failing(w http.ResponseWriter, r *http.Request) error {
	check, err := query(r, "check")
	if err != nil {
		return err
	}
	if check == "" {
		return errStatus(http.StatusBadRequest, "missing check: a CIS check id such as 2.1")
	}
	rs, err := s.cfg.Store.HostsFailing(r.Context(), check)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"check": check, "failing": rs})
}

func (s *Server) alerts(w http.ResponseWriter, r *http.Request) error {
	var f store.AlertFilter
	var err error
	for name, dst := range map[string]*string{"host": &f.HostID, "container": &f.ContainerID, "priority": &f.MinPriority} {
		if *dst, err = query(r, name); err != nil {
			return err
		}
	}
	if f.MinPriority != "" && store.PriorityRank(f.MinPriority) < 0 {
		return errStatus(http.StatusBadRequest, "priority: want one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG")
	}
	if f.Since, err = sinceParam(r, 0); err != nil {
		return err
	}
	if f.Limit, err = limitParam(r); err != nil {
		return err
	}
	as, err := s.cfg.Store.Alerts(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"alerts": as})
}

// agentHost checks the {host} of an agent route and binds the token to it
// at first use; a token bound to another host gets 403.
func (s *Server) agentHost(r *http.Request) (string, error) {
	host := r.PathValue("host")
	if !hostIDRe.MatchString(host) {
		return "", errStatus(http.StatusBadRequest, "host id %q: want 1-128 of A-Z a-z 0-9 . _ : - (starting with a letter or digit)", truncate(host, 64))
	}
	tok := tokenOf(r)
	if err := s.cfg.Store.BindHost(r.Context(), tok.ID, host); err != nil {
		if errors.Is(err, store.ErrHostBound) {
			return "", errStatus(http.StatusForbidden, "this agent token is bound to another host")
		}
		return "", err
	}
	return host, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (s *Server) putInventory(w http.ResponseWriter, r *http.Request) error {
	host, err := s.agentHost(r)
	if err != nil {
		return err
	}
	var inv api.Inventory
	if err := decode(r, &inv); err != nil {
		return err
	}
	if len(inv.Containers) > api.MaxItems {
		return errStatus(http.StatusBadRequest, "%d containers: at most %d in one inventory", len(inv.Containers), api.MaxItems)
	}
	cs := make([]store.Container, 0, len(inv.Containers))
	for i, c := range inv.Containers {
		if c.ID == "" {
			return errStatus(http.StatusBadRequest, "containers[%d]: missing id", i)
		}
		cs = append(cs, store.Container{ID: c.ID, Name: c.Name, ImageRef: c.ImageRef, ImageDigest: c.ImageDigest,
			State: c.State, Ports: c.Ports, Networks: c.Networks})
	}
	if err := s.cfg.Store.TouchHost(r.Context(), store.Host{ID: host, Name: inv.Name, AgentVersion: inv.AgentVersion}); err != nil {
		return err
	}
	if err := s.cfg.Store.ReplaceContainers(r.Context(), host, cs); err != nil {
		return err
	}
	s.count("inventory", 1)
	return writeJSON(w, http.StatusOK, api.Accepted{New: len(cs)})
}

// hasImage answers 200 when the server holds the image's SBOM, 404 when
// not, so that an agent computes and sends only what is missing.
func (s *Server) hasImage(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.agentHost(r); err != nil {
		return err
	}
	if _, err := s.cfg.Store.ImageSBOM(r.Context(), r.PathValue("digest")); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			w.WriteHeader(http.StatusNotFound)
			return nil
		}
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) putSBOM(w http.ResponseWriter, r *http.Request) error {
	host, err := s.agentHost(r)
	if err != nil {
		return err
	}
	digest := r.PathValue("digest")
	if !digestRe.MatchString(digest) {
		return errStatus(http.StatusBadRequest, "image digest %q: want sha256: and 64 lowercase hex digits", truncate(digest, 80))
	}
	var body api.SBOM
	if err := decode(r, &body); err != nil {
		return err
	}
	if len(body.Refs) > api.MaxItems {
		return errStatus(http.StatusBadRequest, "too many refs")
	}
	if len(body.SBOM) == 0 {
		return errStatus(http.StatusBadRequest, "missing sbom: a CycloneDX or SPDX JSON document")
	}
	rep, err := sbomread.DecodeLimit(bytes.NewReader(body.SBOM), api.MaxSBOMBody)
	if err != nil {
		return errStatus(http.StatusBadRequest, "sbom: %v", err)
	}
	pkgs := make([]store.Package, 0, len(rep.Packages))
	for _, p := range rep.Packages {
		pkgs = append(pkgs, store.Package{Name: p.Name, Version: p.Version, Type: p.Type, PURL: p.PURL})
	}
	if err := s.cfg.Store.TouchHost(r.Context(), store.Host{ID: host}); err != nil {
		return err
	}
	changed, err := s.cfg.Store.PutImage(r.Context(), store.Image{Digest: digest, Refs: body.Refs, OS: osName(rep.Target.OS)}, body.SBOM, pkgs)
	if err != nil {
		return err
	}
	s.count("sbom", 1)
	acc := api.Accepted{}
	if changed {
		acc.New = 1
		if s.cfg.Queue != nil {
			if err := s.cfg.Queue.EnqueueMatch(r.Context(), digest); err != nil {
				return err
			}
			acc.Queued = true
		}
	}
	return writeJSON(w, http.StatusOK, acc)
}

// Bounds on one image's issues (the agent sends at most these).
const (
	maxIssueText  = 4096 // title, fix, path, evidence
	maxIssueShort = 256  // rule id, severity, layer
)

// putImageIssues replaces an image's secrets and misconfigurations. The
// image's SBOM must have been sent first (404 otherwise: the agent's queue
// sends the SBOM before). Secret evidence arrives redacted; the server
// redacts it again with internal/secret so that a faulty or old agent
// cannot store a secret in full.
func (s *Server) putImageIssues(w http.ResponseWriter, r *http.Request) error {
	host, err := s.agentHost(r)
	if err != nil {
		return err
	}
	digest := r.PathValue("digest")
	if !digestRe.MatchString(digest) {
		return errStatus(http.StatusBadRequest, "image digest %q: want sha256: and 64 lowercase hex digits", truncate(digest, 80))
	}
	var body api.ImageFindings
	if err := decode(r, &body); err != nil {
		return err
	}
	if len(body.Secrets)+len(body.Misconfigs) > api.MaxItems {
		return errStatus(http.StatusBadRequest, "%d secrets and misconfigurations: at most %d", len(body.Secrets)+len(body.Misconfigs), api.MaxItems)
	}
	is := store.ImageIssues{Secrets: make([]store.ImageSecret, 0, len(body.Secrets)), Misconfigs: make([]store.ImageMisconfig, 0, len(body.Misconfigs))}
	for i, x := range body.Secrets {
		sev, err := issueSeverity(x.Severity)
		if err != nil {
			return errStatus(http.StatusBadRequest, "secrets[%d]: %v", i, err)
		}
		if x.RuleID == "" || x.Path == "" || x.Line < 0 || !issueLens(x.RuleID, x.Layer) || !issueLongLens(x.Title, x.Path, x.Evidence) {
			return errStatus(http.StatusBadRequest, "secrets[%d]: want a rule_id and a path, a line >= 0 and fields within %d bytes (ids %d)", i, maxIssueText, maxIssueShort)
		}
		is.Secrets = append(is.Secrets, store.ImageSecret{RuleID: x.RuleID, Severity: sev, Title: x.Title, Path: x.Path,
			Line: x.Line, Layer: x.Layer, Evidence: redactEvidence(x.Evidence)})
	}
	for i, x := range body.Misconfigs {
		sev, err := issueSeverity(x.Severity)
		if err != nil {
			return errStatus(http.StatusBadRequest, "misconfigs[%d]: %v", i, err)
		}
		if x.ID == "" || x.Title == "" || !issueLens(x.ID) || !issueLongLens(x.Title, x.Fix, x.Path) {
			return errStatus(http.StatusBadRequest, "misconfigs[%d]: want an id and a title, fields within %d bytes (ids %d)", i, maxIssueText, maxIssueShort)
		}
		is.Misconfigs = append(is.Misconfigs, store.ImageMisconfig{ID: x.ID, Severity: sev, Title: secret.RedactText(x.Title),
			Fix: secret.RedactText(x.Fix), Path: x.Path})
	}
	if err := s.cfg.Store.TouchHost(r.Context(), store.Host{ID: host}); err != nil {
		return err
	}
	if err := s.cfg.Store.PutImageIssues(r.Context(), digest, is); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errStatus(http.StatusNotFound, "image %s: send its SBOM first", digest)
		}
		return err
	}
	s.count("image_issues", 1)
	return writeJSON(w, http.StatusOK, api.Accepted{New: len(is.Secrets) + len(is.Misconfigs)})
}

// imageIssues answers an image's secrets (redacted) and misconfigurations.
func (s *Server) imageIssues(w http.ResponseWriter, r *http.Request) error {
	digest := r.PathValue("digest")
	if _, err := s.cfg.Store.ImageSBOM(r.Context(), digest); err != nil {
		return err
	}
	is, err := s.cfg.Store.ImageIssuesOf(r.Context(), digest)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"digest": digest, "secrets": is.Secrets, "misconfigs": is.Misconfigs})
}

// redactEvidence keeps evidence that is already redacted (it holds the
// "****" of secret.Redact) and redacts anything else whole: evidence
// without the mark is a secret in full until proven otherwise.
func redactEvidence(ev string) string {
	if ev == "" {
		return ""
	}
	ev = secret.RedactText(ev)
	if !strings.Contains(ev, "****") {
		ev = secret.Redact(ev)
	}
	return ev
}

func issueSeverity(s string) (string, error) {
	sev, err := finding.ParseSeverity(s)
	if err != nil {
		return "", err
	}
	return sev.String(), nil
}

func issueLens(vals ...string) bool {
	for _, v := range vals {
		if len(v) > maxIssueShort {
			return false
		}
	}
	return true
}

func issueLongLens(vals ...string) bool {
	for _, v := range vals {
		if len(v) > maxIssueText {
			return false
		}
	}
	return true
}

func osName(o *inventory.OS) string {
	if o == nil {
		return ""
	}
	return strings.TrimSpace(o.ID + " " + o.VersionID)
}

var auditStatus = map[string]bool{"pass": true, "fail": true, "warn": true, "info": true, "skip": true}

func (s *Server) putAudit(w http.ResponseWriter, r *http.Request) error {
	host, err := s.agentHost(r)
	if err != nil {
		return err
	}
	var body api.Audit
	if err := decode(r, &body); err != nil {
		return err
	}
	if len(body.Results) > api.MaxItems {
		return errStatus(http.StatusBadRequest, "%d results: at most %d", len(body.Results), api.MaxItems)
	}
	rs := make([]store.AuditResult, 0, len(body.Results))
	for i, a := range body.Results {
		st := strings.ToLower(a.Status)
		if a.CheckID == "" || !auditStatus[st] {
			return errStatus(http.StatusBadRequest, "results[%d]: want a check_id and a status of pass, fail, warn, info or skip", i)
		}
		rs = append(rs, store.AuditResult{CheckID: a.CheckID, Status: st, Severity: a.Severity, Title: a.Title, Detail: a.Detail})
	}
	if err := s.cfg.Store.TouchHost(r.Context(), store.Host{ID: host}); err != nil {
		return err
	}
	var before []store.AuditResult
	if s.cfg.Notify != nil {
		if before, err = s.cfg.Store.Audit(r.Context(), host); err != nil {
			return err
		}
	}
	if err := s.cfg.Store.PutAudit(r.Context(), host, rs); err != nil {
		return err
	}
	s.cfg.Notify.Audit(host, before, rs)
	s.count("audit", 1)
	return writeJSON(w, http.StatusOK, api.Accepted{New: len(rs)})
}

func (s *Server) postAlerts(w http.ResponseWriter, r *http.Request) error {
	host, err := s.agentHost(r)
	if err != nil {
		return err
	}
	var body api.Alerts
	if err := decode(r, &body); err != nil {
		return err
	}
	if len(body.Alerts) > api.MaxAlerts {
		return errStatus(http.StatusBadRequest, "%d alerts: at most %d in one batch", len(body.Alerts), api.MaxAlerts)
	}
	as := make([]store.Alert, 0, len(body.Alerts))
	for i, a := range body.Alerts {
		t, err := time.Parse(time.RFC3339Nano, a.Time)
		if err != nil {
			return errStatus(http.StatusBadRequest, "alerts[%d].time: want RFC 3339", i)
		}
		if a.ID == "" || len(a.ID) > 128 || a.Rule == "" || store.PriorityRank(a.Priority) < 0 {
			return errStatus(http.StatusBadRequest, "alerts[%d]: want an id (at most 128 bytes), a rule and a Falco priority", i)
		}
		as = append(as, store.Alert{ID: a.ID, At: t, Rule: a.Rule, Priority: a.Priority, ContainerID: a.ContainerID, Output: a.Output, Fields: a.Fields})
	}
	if err := s.cfg.Store.TouchHost(r.Context(), store.Host{ID: host}); err != nil {
		return err
	}
	// The alerts to notify: those at or above the threshold that the host
	// had not sent before (a resend notifies nothing).
	var notify []store.Alert
	var ids []string
	for _, a := range as {
		if s.cfg.Notify.WantsAlert(a.Priority) && len(ids) < 1000 {
			notify = append(notify, a)
			ids = append(ids, a.ID)
		}
	}
	var known map[string]bool
	if len(ids) > 0 {
		if known, err = s.cfg.Store.KnownAlerts(r.Context(), host, ids); err != nil {
			return err
		}
	}
	n, err := s.cfg.Store.PutAlerts(r.Context(), host, as)
	if err != nil {
		return err
	}
	fresh := notify[:0]
	seen := map[string]bool{}
	for _, a := range notify {
		if !known[a.ID] && !seen[a.ID] {
			seen[a.ID] = true
			fresh = append(fresh, a)
		}
	}
	s.cfg.Notify.Alerts(host, fresh)
	s.count("alerts", n)
	return writeJSON(w, http.StatusOK, api.Accepted{New: n})
}

func (s *Server) count(kind string, n int) {
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.ingested(kind, n)
	}
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.cfg.Store.Tokens(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"tokens": ts})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Scope string `json:"scope"`
		Name  string `json:"name"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if !store.ValidScope(body.Scope) || len(body.Name) > 200 {
		return errStatus(http.StatusBadRequest, "want a scope of agent, read or admin and a name of at most 200 bytes")
	}
	tok, rec, err := s.cfg.Store.CreateToken(r.Context(), body.Scope, body.Name)
	if err != nil {
		return err
	}
	if err := s.cfg.Store.LogAdmin(r.Context(), store.AdminEntry{Actor: "token:" + tokenOf(r).ID, Action: "token.create",
		Target: rec.ID, Detail: "scope=" + rec.Scope + " name=" + rec.Name}); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "record": rec})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.cfg.Store.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	if err := s.cfg.Store.LogAdmin(r.Context(), store.AdminEntry{Actor: "token:" + tokenOf(r).ID, Action: "token.revoke", Target: id}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) adminLog(w http.ResponseWriter, r *http.Request) error {
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	es, err := s.cfg.Store.AdminLog(r.Context(), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"entries": es})
}
