// Package secret finds credentials in files and text: cloud keys, VCS,
// chat, payment and SaaS tokens, private keys, JWTs, URLs with passwords,
// credentials files and generic high-entropy assignments.
//
// Bytes are scanned once. Every rule declares lower-case keywords; one
// case-insensitive Aho-Corasick pass (a dense DFA over byte classes, no copy
// of the input) finds the keyword hits, and a rule's regex runs only in a
// window around its hits: the hit's line, cut to a few hundred bytes, or for
// multiline rules (PEM keys) up to 32 KiB past the hit. Go's regexp is
// linear-time, so no input can make a rule backtrack.
//
// Matches pass an allow stage (documented example values such as
// AKIAIOSFODNN7EXAMPLE, placeholders such as "changeme", "<token>",
// "${VAR}", "{{ .Values.x }}", runs of one character, and per-rule entropy
// and length floors) before they become findings. Evidence is always
// redacted with Redact: no output of this package holds a whole secret.
//
// The package is bulkhead's one owner of secret detection and redaction:
// Redact (at most a quarter of a value, never more than 4 characters),
// IsSecretName, HasToken and RedactText serve lint, image checks and the
// audit, which hold no secret logic of their own.
//
// A Scanner is built once with New and is safe for concurrent use. The image
// walk calls Required and Analyze per file; ScanText covers strings that are
// not files (image ENV, labels, history, compose and container environments).
// Stats counts what was scanned and skipped for the report.
//
// The rules are documented in docs/rules/secrets.md, generated from
// Builtins by `go test ./internal/secret -run TestRulesDoc -update`.
package secret
