package secret

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// Bounds on a custom rule file, which is untrusted input.
const (
	maxRuleFileSize  = 4 << 20
	maxRules         = 5000
	maxRegexLen      = 4096
	maxKeywords      = 64
	minKeywordLen    = minKeyword
	maxAllowPerRule  = 256
	maxPathsPerRule  = 256
	maxWindowSetting = 64 << 10
)

var ruleIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._\-]{0,99}$`)

// RuleSet is what a custom rule file holds.
type RuleSet struct {
	// ReplaceBuiltins drops the built-in rules instead of adding to them.
	ReplaceBuiltins bool
	// Disable lists rule ids (built-in or not) to leave out.
	Disable []string
	// Rules are added; one with a built-in's id replaces it.
	Rules []Rule
}

type ruleFileYAML struct {
	ReplaceBuiltins bool        `yaml:"replace_builtins"`
	Disable         []string    `yaml:"disable"`
	Rules           []yaml.Node `yaml:"rules"`
}

type ruleYAML struct {
	ID          string   `yaml:"id"`
	Title       string   `yaml:"title"`
	Severity    string   `yaml:"severity"`
	Category    string   `yaml:"category"`
	Description string   `yaml:"description"`
	Regex       string   `yaml:"regex"`
	Keywords    []string `yaml:"keywords"`
	SecretGroup int      `yaml:"secret_group"`
	Entropy     float64  `yaml:"entropy"`
	MinLength   int      `yaml:"min_length"`
	Allow       []string `yaml:"allow"`
	Paths       []string `yaml:"paths"`
	AllowPaths  []string `yaml:"allow_paths"`
	Multiline   bool     `yaml:"multiline"`
	Window      int      `yaml:"window"`
}

// LoadRules reads a YAML rule file:
//
//	replace_builtins: false       # true: use only the rules below
//	disable: [BH-SEC-GENERIC-PASSWORD]
//	rules:
//	  - id: ACME-API-KEY          # required, [A-Za-z0-9._-], up to 100
//	    title: ACME API key
//	    severity: high            # default MEDIUM
//	    category: saas
//	    regex: '\bacme_[a-z0-9]{32}\b'   # RE2 syntax; (?P<secret>...) marks the secret
//	    keywords: [acme_]         # lower-cased literal substrings (required unless paths)
//	    secret_group: 0           # else group 1 when there are groups, else the match
//	    entropy: 3.5              # minimum Shannon bits per byte of the secret
//	    min_length: 16
//	    allow: ['^acme_0+$']      # regexes on the secret that drop a match
//	    paths: ['\.env$']         # only these paths (regexes on the slash path)
//	    allow_paths: ['^docs/']
//	    multiline: false          # may match across lines
//	    window: 1024              # bytes scanned after a keyword
//
// An invalid rule is left out and named, with the reason, in the returned
// error, which joins one error per bad rule; the RuleSet still holds every
// valid rule. A file that is not YAML of this shape, or is over 4 MiB,
// returns a nil RuleSet.
func LoadRules(r io.Reader) (*RuleSet, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxRuleFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	if len(data) > maxRuleFileSize {
		return nil, fmt.Errorf("read rules: file exceeds %d bytes", maxRuleFileSize)
	}
	var f ruleFileYAML
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parse rules: %w", err)
	}
	if len(f.Rules) > maxRules {
		return nil, fmt.Errorf("parse rules: %d rules, at most %d allowed", len(f.Rules), maxRules)
	}
	rs := &RuleSet{ReplaceBuiltins: f.ReplaceBuiltins, Disable: f.Disable}
	var errs []error
	seen := map[string]bool{}
	for i := range f.Rules {
		var y ruleYAML
		if err := f.Rules[i].Decode(&y); err != nil {
			errs = append(errs, fmt.Errorf("rule %d (line %d): %w", i+1, f.Rules[i].Line, err))
			continue
		}
		rule, err := y.rule()
		if err == nil && seen[y.ID] {
			err = errors.New("duplicate id")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("rule %d %q (line %d): %w", i+1, y.ID, f.Rules[i].Line, err))
			continue
		}
		seen[y.ID] = true
		rs.Rules = append(rs.Rules, rule)
	}
	return rs, errors.Join(errs...)
}

func (y *ruleYAML) rule() (Rule, error) {
	if !ruleIDRe.MatchString(y.ID) {
		return Rule{}, errors.New("id is missing or not [A-Za-z0-9._-] (up to 100 characters)")
	}
	sev := finding.Medium
	if strings.TrimSpace(y.Severity) != "" {
		var err error
		if sev, err = finding.ParseSeverity(y.Severity); err != nil {
			return Rule{}, err
		}
	}
	if y.Regex == "" {
		return Rule{}, errors.New("regex is missing")
	}
	if len(y.Regex) > maxRegexLen {
		return Rule{}, fmt.Errorf("regex is %d bytes, at most %d allowed", len(y.Regex), maxRegexLen)
	}
	re, err := regexp.Compile(y.Regex)
	if err != nil {
		return Rule{}, fmt.Errorf("regex: %w", err)
	}
	if len(y.Keywords) > maxKeywords {
		return Rule{}, fmt.Errorf("%d keywords, at most %d allowed", len(y.Keywords), maxKeywords)
	}
	kws := make([]string, 0, len(y.Keywords))
	for _, k := range y.Keywords {
		if len(k) < minKeywordLen {
			return Rule{}, fmt.Errorf("keyword %q is shorter than %d bytes", k, minKeywordLen)
		}
		kws = append(kws, strings.ToLower(k))
	}
	if len(kws) == 0 && len(y.Paths) == 0 {
		return Rule{}, errors.New("needs keywords (or paths), else it would run on every byte")
	}
	if y.Entropy < 0 || y.Entropy > 8 {
		return Rule{}, fmt.Errorf("entropy %v is outside 0..8", y.Entropy)
	}
	if y.MinLength < 0 || y.Window < 0 || y.Window > maxWindowSetting {
		return Rule{}, fmt.Errorf("min_length and window must be >= 0 and window <= %d", maxWindowSetting)
	}
	if y.SecretGroup < 0 || y.SecretGroup > re.NumSubexp() {
		return Rule{}, fmt.Errorf("secret_group %d but the regex has %d groups", y.SecretGroup, re.NumSubexp())
	}
	compile := func(what string, ps []string, limit int) ([]*regexp.Regexp, error) {
		if len(ps) > limit {
			return nil, fmt.Errorf("%d %s patterns, at most %d allowed", len(ps), what, limit)
		}
		var out []*regexp.Regexp
		for _, p := range ps {
			if len(p) > maxRegexLen {
				return nil, fmt.Errorf("%s pattern is %d bytes, at most %d allowed", what, len(p), maxRegexLen)
			}
			c, err := regexp.Compile(p)
			if err != nil {
				return nil, fmt.Errorf("%s pattern %q: %w", what, p, err)
			}
			out = append(out, c)
		}
		return out, nil
	}
	allow, err := compile("allow", y.Allow, maxAllowPerRule)
	if err != nil {
		return Rule{}, err
	}
	paths, err := compile("paths", y.Paths, maxPathsPerRule)
	if err != nil {
		return Rule{}, err
	}
	allowPaths, err := compile("allow_paths", y.AllowPaths, maxPathsPerRule)
	if err != nil {
		return Rule{}, err
	}
	r := Rule{
		ID: y.ID, Title: y.Title, Severity: sev, Category: y.Category, Description: y.Description,
		Keywords: kws, Regex: re, SecretGroup: y.SecretGroup, MinEntropy: y.Entropy, MinLen: y.MinLength,
		Allow: allow, Paths: paths, AllowPaths: allowPaths, Multiline: y.Multiline, After: y.Window,
	}
	if r.Category == "" {
		r.Category = "custom"
	}
	if err := r.prepare(); err != nil {
		return Rule{}, err
	}
	return r, nil
}
