// Package api holds the JSON bodies of bulkhead serve's agent routes, shared
// by the server (internal/server) and the agent (internal/agent), and the
// limits both sides apply. The read routes answer with internal/store's types.
package api

import "encoding/json"

// Prefix is the path every API route starts with.
const Prefix = "/api/v1"

// Limits on request bodies, enforced by the server (413 above them).
const (
	MaxSBOMBody = 64 << 20 // one SBOM envelope
	MaxBody     = 8 << 20  // any other body
	MaxAlerts   = 10000    // alerts in one batch
	MaxItems    = 10000    // containers, audit results or refs in one body
)

// Inventory is what runs on a host: PUT /api/v1/agent/hosts/{host}/inventory.
// It replaces the host's previous inventory.
type Inventory struct {
	Name         string      `json:"name,omitempty"`
	AgentVersion string      `json:"agent_version,omitempty"`
	Containers   []Container `json:"containers"`
}

// Container is one container of an inventory.
type Container struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	ImageRef    string   `json:"image_ref,omitempty"`
	ImageDigest string   `json:"image_digest,omitempty"`
	State       string   `json:"state,omitempty"`
	Ports       []string `json:"ports,omitempty"`
	Networks    []string `json:"networks,omitempty"`
}

// SBOM carries one image's SBOM: PUT /api/v1/agent/hosts/{host}/images/{digest}.
// SBOM is a CycloneDX or SPDX JSON document.
type SBOM struct {
	Refs []string        `json:"refs,omitempty"`
	SBOM json.RawMessage `json:"sbom"`
}

// ImageFindings carries one image's secret and image-check findings: PUT
// /api/v1/agent/hosts/{host}/images/{digest}/findings, sent after the
// image's SBOM. It replaces the image's previous ones. Secret evidence is
// redacted by the agent (internal/secret) and redacted again by the server.
type ImageFindings struct {
	Secrets    []ImageSecret    `json:"secrets"`
	Misconfigs []ImageMisconfig `json:"misconfigs"`
}

// ImageSecret is one secret found in an image: the rule that matched, where,
// and the redacted evidence.
type ImageSecret struct {
	RuleID   string `json:"rule_id"`
	Severity string `json:"severity,omitempty"`
	Title    string `json:"title,omitempty"`
	Path     string `json:"path"`
	Line     int    `json:"line,omitempty"`
	Layer    string `json:"layer,omitempty"`
	Evidence string `json:"evidence,omitempty"`
}

// ImageMisconfig is one failed image check.
type ImageMisconfig struct {
	ID       string `json:"id"`
	Severity string `json:"severity,omitempty"`
	Title    string `json:"title"`
	Fix      string `json:"fix,omitempty"`
	Path     string `json:"path,omitempty"`
}

// Audit is a host audit run: PUT /api/v1/agent/hosts/{host}/audit. It
// replaces the host's previous results.
type Audit struct {
	Results []AuditResult `json:"results"`
}

// AuditResult is one CIS check's outcome.
type AuditResult struct {
	CheckID  string `json:"check_id"`
	Status   string `json:"status"` // pass, fail, warn, info, skip
	Severity string `json:"severity,omitempty"`
	Title    string `json:"title,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// Alerts is a batch of runtime alerts: POST /api/v1/agent/hosts/{host}/alerts.
// Each alert's ID is chosen by the agent; a resent id is ignored.
type Alerts struct {
	Alerts []Alert `json:"alerts"`
}

// Alert is one runtime alert.
type Alert struct {
	ID          string            `json:"id"`
	Time        string            `json:"time"` // RFC 3339
	Rule        string            `json:"rule"`
	Priority    string            `json:"priority"`
	ContainerID string            `json:"container_id,omitempty"`
	Output      string            `json:"output,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
}

// Accepted is the answer to an ingest.
type Accepted struct {
	// New counts what was new (alerts not seen before, a changed SBOM).
	New int `json:"new"`
	// Queued is true when a match job was queued for the image.
	Queued bool `json:"queued,omitempty"`
}

// Error is the body of every error answer.
type Error struct {
	Error string `json:"error"`
}
