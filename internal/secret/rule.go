package secret

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// Rule priorities decide which finding is kept when two rules match the same
// bytes: a structured rule (a credentials file, a connection string) beats a
// token-format rule, which beats a generic assignment.
const (
	PriorityGeneric  = -1
	PriorityNormal   = 0
	PrioritySpecific = 1
)

// Rule is one kind of secret.
type Rule struct {
	// ID is stable and unique, such as "BH-SEC-AWS-ACCESS-KEY-ID".
	ID       string
	Title    string
	Severity finding.Severity
	// Category groups rules in reports and docs ("cloud", "vcs", "chat",
	// "payment", "saas", "private-key", "jwt", "url", "credentials-file",
	// "generic"); it becomes a finding tag.
	Category string
	// Description says what the rule matches, for the docs.
	Description string
	// Keywords are lower-case literal substrings, at least one of which
	// appears in (or within Before bytes of) every match. A rule without
	// keywords runs over whole files and needs Paths.
	Keywords []string
	// Regex finds candidates. The secret is the first non-empty group named
	// "secret", else group SecretGroup, else group 1, else the whole match.
	Regex       *regexp.Regexp
	SecretGroup int
	// MinEntropy (Shannon bits per byte) and MinLen gate the secret.
	MinEntropy float64
	MinLen     int
	// Allow drops a match when any of them matches the secret.
	Allow []*regexp.Regexp
	// Paths, when set, limits the rule to files whose slash-separated path
	// matches one of them; such rules never run on ScanText.
	Paths []*regexp.Regexp
	// AllowPaths skips the rule for matching paths.
	AllowPaths []*regexp.Regexp
	// Multiline rules may match across lines, up to After bytes past a
	// keyword; other rules see only the keyword's line.
	Multiline bool
	// Before and After bound the window scanned around a keyword hit, in
	// bytes (defaults 256 and 1024; multiline rules default After to 32 KiB).
	Before, After int
	// Priority breaks ties between overlapping matches (PriorityGeneric,
	// PriorityNormal, PrioritySpecific).
	Priority int
	// Validate, when set, gets the whole match and the secret and rejects
	// false positives that a regex cannot (a JWT header that is not JSON).
	Validate func(match, secret string) bool
	// NoPlaceholderCheck disables the shared placeholder allow list for
	// this rule (custom rules that look for placeholder-like values).
	NoPlaceholderCheck bool

	secretIdx []int // capture indexes that may hold the secret

	// Built-in fast paths (not settable from rule files):
	// leftBoundary: the byte before the match must not be a word byte when
	// the match starts with one (a \b the regex does not spell, so that Go
	// can use the pattern's literal prefix to skip ahead);
	// anchored: the regex starts with \A and runs once per keyword hit, from
	// the keyword to the end of its line (at most After bytes);
	// generic: the match starts at a keyword inside a key name, which is
	// found by scanning left; a value separated from its key by blanks only
	// counts on a Dockerfile ENV or ARG line.
	leftBoundary, anchored, generic bool
	maxLen                          int
	// pathHint, when set, must be a substring of the path for Paths to be
	// tried at all (a cheap test before the path regexes).
	pathHint string
}

const (
	defaultBefore         = 256
	defaultAfter          = 1024
	defaultMultilineAfter = 32 << 10
	maxWindow             = 1 << 20
)

// prepare checks a rule and fills its derived fields.
func (r *Rule) prepare() error {
	if r.ID == "" {
		return fmt.Errorf("rule has no id")
	}
	if r.Regex == nil {
		return fmt.Errorf("rule %q: no regex", r.ID)
	}
	if r.Title == "" {
		r.Title = r.ID
	}
	for i, k := range r.Keywords {
		if len(k) < minKeyword {
			return fmt.Errorf("rule %q: keyword %q is shorter than %d bytes", r.ID, k, minKeyword)
		}
		r.Keywords[i] = strings.ToLower(k)
	}
	if len(r.Keywords) == 0 && len(r.Paths) == 0 {
		return fmt.Errorf("rule %q: needs keywords or paths (a rule without either would run on every byte)", r.ID)
	}
	if r.Before <= 0 {
		r.Before = defaultBefore
	}
	if r.After <= 0 {
		r.After = defaultAfter
		if r.Multiline {
			r.After = defaultMultilineAfter
		}
	}
	r.Before = min(r.Before, maxWindow)
	r.After = min(r.After, maxWindow)
	r.secretIdx = r.secretIdx[:0]
	for i, n := range r.Regex.SubexpNames() {
		if n == "secret" {
			r.secretIdx = append(r.secretIdx, i)
		}
	}
	if len(r.secretIdx) == 0 {
		g := r.SecretGroup
		if g == 0 && r.Regex.NumSubexp() > 0 {
			g = 1
		}
		if g > r.Regex.NumSubexp() || g < 0 {
			return fmt.Errorf("rule %q: secret group %d but the regex has %d groups", r.ID, r.SecretGroup, r.Regex.NumSubexp())
		}
		r.secretIdx = append(r.secretIdx, g)
	}
	return nil
}

// secretSpan returns the secret's offsets within a FindSubmatchIndex result.
func (r *Rule) secretSpan(m []int) (int, int) {
	for _, g := range r.secretIdx {
		if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
			return m[2*g], m[2*g+1]
		}
	}
	return -1, -1
}

func (r *Rule) appliesTo(path string, text bool) bool {
	if len(r.Paths) > 0 {
		if text || r.pathHint != "" && !strings.Contains(path, r.pathHint) {
			return false
		}
		ok := false
		for _, p := range r.Paths {
			if p.MatchString(path) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, p := range r.AllowPaths {
		if p.MatchString(path) {
			return false
		}
	}
	return true
}
