// Package compose lints Docker Compose files.
//
// Lint loads one compose file with compose-go (github.com/compose-spec/
// compose-go/v2) without touching the network, the process environment or
// any file besides the one given: include, extends, env_file and label_file
// are not followed, and variables interpolate against an empty environment
// (their defaults apply); when interpolation fails (a required variable),
// the file is loaded again uninterpolated. Input is bounded by MaxSize, and
// its shape (MaxDepth, MaxKeyPath, MaxNodes, MaxServices) is checked with
// yaml.v3 before compose-go, whose cost grows with depth and service count,
// sees it.
//
// Every service is then checked by the rules listed in rules.go (ids
// BH-CP-NNN, aliases to the KICS query ids of the same checks). Findings
// are of kind misconfiguration and point at the file, the line of the
// offending key (or of the service when the problem is a missing key) and
// the object "service NAME". Secret values are never shown in full.
//
// Rules describes every rule; each has a page in docs/rules/compose.
package compose
