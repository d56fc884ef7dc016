package rules

import (
	"fmt"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// Priority is a Falco rule priority, from PriorityEmergency (most urgent) to PriorityDebug.
type Priority int

// Falco's priorities, most urgent first (the order Falco's -o priority uses).
const (
	PriorityEmergency Priority = iota
	PriorityAlert
	PriorityCritical
	PriorityError
	PriorityWarning
	PriorityNotice
	PriorityInformational
	PriorityDebug
)

var priorityNames = [...]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

// String returns Falco's spelling: "Emergency", ..., "Informational", "Debug".
func (p Priority) String() string {
	if p >= 0 && int(p) < len(priorityNames) {
		return priorityNames[p]
	}
	return "Debug"
}

// MarshalText writes the priority the way Falco's JSON output does.
func (p Priority) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads any spelling ParsePriority accepts.
func (p *Priority) UnmarshalText(b []byte) error {
	v, err := ParsePriority(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ParsePriority reads a Falco priority, case-insensitively; INFO is accepted
// for INFORMATIONAL.
func ParsePriority(s string) (Priority, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "EMERGENCY":
		return PriorityEmergency, nil
	case "ALERT":
		return PriorityAlert, nil
	case "CRITICAL":
		return PriorityCritical, nil
	case "ERROR":
		return PriorityError, nil
	case "WARNING", "WARN":
		return PriorityWarning, nil
	case "NOTICE":
		return PriorityNotice, nil
	case "INFORMATIONAL", "INFO":
		return PriorityInformational, nil
	case "DEBUG":
		return PriorityDebug, nil
	}
	return PriorityDebug, fmt.Errorf("unknown priority %q (want one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG)", s)
}

// Severity maps a priority onto bulkhead's one severity scale:
// EMERGENCY/ALERT/CRITICAL → CRITICAL, ERROR → HIGH, WARNING → MEDIUM,
// NOTICE → LOW, INFORMATIONAL/DEBUG → INFO.
func (p Priority) Severity() finding.Severity {
	switch p {
	case PriorityEmergency, PriorityAlert, PriorityCritical:
		return finding.Critical
	case PriorityError:
		return finding.High
	case PriorityWarning:
		return finding.Medium
	case PriorityNotice:
		return finding.Low
	}
	return finding.Info
}
