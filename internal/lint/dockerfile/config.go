package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"gopkg.in/yaml.v3"
)

// MaxConfigSize bounds a hadolint configuration file.
const MaxConfigSize = 256 << 10

// Config is what a hadolint configuration file (.hadolint.yaml) says, in
// bulkhead's terms. Only the keys below are read; others are ignored, so a
// file written for hadolint works unchanged.
type Config struct {
	// Ignored are rule ids or aliases never to report ("ignored").
	Ignored []string
	// Enabled are rules that are off by default and that the file turns on
	// by naming them under "override".
	Enabled []string
	// TrustedRegistries is the allow-list of FROM registries
	// ("trustedRegistries"); empty means any registry.
	TrustedRegistries []string
	// LabelSchema maps required label names to their type ("label-schema"):
	// text, url, semver, hash, rfc3339, spdx or email.
	LabelSchema map[string]string
	// StrictLabels flags labels outside the schema ("strict-labels").
	StrictLabels bool
	// FailureThreshold is the lowest severity that fails the run
	// ("failure-threshold"), or Unknown when the file does not say; NoFail
	// is "no-fail: true" or "failure-threshold: none".
	FailureThreshold finding.Severity
	NoFail           bool
	// DisableIgnorePragma turns off "# hadolint ignore=" comments
	// ("disable-ignore-pragma").
	DisableIgnorePragma bool
}

// labelTypes are the schema types hadolint defines.
var labelTypes = map[string]bool{"text": true, "url": true, "semver": true, "hash": true, "rfc3339": true, "spdx": true, "email": true}

// hadolintSeverity maps hadolint's levels onto bulkhead's scale.
func hadolintSeverity(s string) (finding.Severity, bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return finding.High, false, nil
	case "warning":
		return finding.Medium, false, nil
	case "info":
		return finding.Low, false, nil
	case "style":
		return finding.Info, false, nil
	case "ignore", "none":
		return finding.Unknown, true, nil
	}
	return finding.Unknown, false, fmt.Errorf("failure-threshold %q: want error, warning, info, style, ignore or none", s)
}

// ParseConfig reads a hadolint configuration file. Unknown keys are
// ignored; a key of the wrong type is an error that names the key.
func ParseConfig(src []byte) (*Config, error) {
	if len(src) > MaxConfigSize {
		return nil, fmt.Errorf("hadolint config: %d bytes (limit %d)", len(src), MaxConfigSize)
	}
	var raw struct {
		Ignored             []string            `yaml:"ignored"`
		TrustedRegistries   []string            `yaml:"trustedRegistries"`
		LabelSchema         map[string]string   `yaml:"label-schema"`
		StrictLabels        bool                `yaml:"strict-labels"`
		FailureThreshold    string              `yaml:"failure-threshold"`
		NoFail              bool                `yaml:"no-fail"`
		DisableIgnorePragma bool                `yaml:"disable-ignore-pragma"`
		Override            map[string][]string `yaml:"override"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&raw); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("hadolint config: %w", err)
	}
	c := &Config{
		Ignored:             raw.Ignored,
		TrustedRegistries:   raw.TrustedRegistries,
		StrictLabels:        raw.StrictLabels,
		NoFail:              raw.NoFail,
		DisableIgnorePragma: raw.DisableIgnorePragma,
	}
	if len(raw.LabelSchema) > 0 {
		c.LabelSchema = map[string]string{}
		for k, v := range raw.LabelSchema {
			t := strings.ToLower(strings.TrimSpace(v))
			if !labelTypes[t] {
				return nil, fmt.Errorf("hadolint config: label-schema.%s: type %q is not one of text, url, semver, hash, rfc3339, spdx, email", k, v)
			}
			c.LabelSchema[k] = t
		}
	}
	if raw.FailureThreshold != "" {
		sev, none, err := hadolintSeverity(raw.FailureThreshold)
		if err != nil {
			return nil, fmt.Errorf("hadolint config: %w", err)
		}
		c.FailureThreshold = sev
		c.NoFail = c.NoFail || none
	}
	levels := make([]string, 0, len(raw.Override))
	for lvl := range raw.Override {
		levels = append(levels, lvl)
	}
	sort.Strings(levels)
	for _, lvl := range levels {
		if _, _, err := hadolintSeverity(lvl); err != nil {
			return nil, fmt.Errorf("hadolint config: override.%s: not a level (error, warning, info, style)", lvl)
		}
		c.Enabled = append(c.Enabled, raw.Override[lvl]...)
	}
	return c, nil
}

// Apply adds what the configuration says to opts.
func (c *Config) Apply(opts *Options) {
	if c == nil {
		return
	}
	opts.Disabled = append(opts.Disabled, c.Ignored...)
	opts.Enabled = append(opts.Enabled, c.Enabled...)
	opts.TrustedRegistries = append(opts.TrustedRegistries, c.TrustedRegistries...)
	if len(c.LabelSchema) > 0 {
		if opts.LabelSchema == nil {
			opts.LabelSchema = map[string]string{}
		}
		for k, v := range c.LabelSchema {
			opts.LabelSchema[k] = v
		}
	}
	opts.StrictLabels = opts.StrictLabels || c.StrictLabels
	opts.DisableIgnorePragma = opts.DisableIgnorePragma || c.DisableIgnorePragma
}
