// Package dockerfile lints Dockerfiles.
//
// It parses a Dockerfile with BuildKit's parser, splits it into build stages
// (knowing which FROM names an earlier stage and which stage is final, and
// expanding ARGs in FROM), and parses every RUN script with mvdan.cc/sh so
// that rules see commands (name and arguments, through &&, ;, pipes,
// subshells and one level of `sh -c "..."`) rather than strings.
//
// Each rule lives in its own file (rule_NNN_name.go) and is listed once, in
// order, in rules.go. Lint runs them and returns findings of kind
// misconfiguration with ids BH-DF-NNN; Rules describes them; Fix applies the
// fixes that are certain; Diff renders a unified diff of a fix.
//
// A comment line `# bulkhead ignore=BH-DF-001,BH-DF-002` suppresses those
// rules (by id or alias) on the next instruction; `# bulkhead ignore-file=ID`
// anywhere suppresses them for the whole file.
package dockerfile
