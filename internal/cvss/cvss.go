// Package cvss computes CVSS base scores from vector strings: versions 2.0,
// 3.0, 3.1 and 4.0, following the FIRST specifications, and maps a score to
// bulkhead's severity scale.
package cvss

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// Score is the result of scoring one vector.
type Score struct {
	// Version is "2.0", "3.0", "3.1" or "4.0".
	Version string
	// Base is the base score, 0.0 to 10.0 (for 4.0, the CVSS-B or, when
	// threat or environmental metrics are given, CVSS-BT/BE/BTE score).
	Base float64
	// Severity is the qualitative rating of Base.
	Severity finding.Severity
}

// ErrInvalidVector is wrapped by every error about an unreadable vector.
var ErrInvalidVector = errors.New("invalid CVSS vector")

// BaseScore scores a CVSS vector string. Version 3 and 4 vectors start with
// "CVSS:3.x/" or "CVSS:4.0/"; a vector without a prefix is read as
// version 2 ("AV:N/AC:L/Au:N/C:P/I:P/A:P", optionally in parentheses).
func BaseScore(vector string) (Score, error) {
	v := strings.TrimSpace(vector)
	switch {
	case strings.HasPrefix(v, "CVSS:4.0/"):
		return score4(v)
	case strings.HasPrefix(v, "CVSS:3.1/"), strings.HasPrefix(v, "CVSS:3.0/"):
		return score3(v)
	case strings.HasPrefix(v, "CVSS:"):
		return Score{}, fmt.Errorf("score %q: %w: unsupported version", vector, ErrInvalidVector)
	}
	return score2(strings.TrimSuffix(strings.TrimPrefix(v, "("), ")"))
}

// SeverityOf rates a CVSS v3/v4 score: 0 is Info (CVSS "None"), up to 3.9
// Low, up to 6.9 Medium, up to 8.9 High, above that Critical.
func SeverityOf(score float64) finding.Severity {
	switch {
	case score <= 0:
		return finding.Info
	case score < 4:
		return finding.Low
	case score < 7:
		return finding.Medium
	case score < 9:
		return finding.High
	}
	return finding.Critical
}

// severity2 rates a CVSS v2 score, which has no Critical band.
func severity2(score float64) finding.Severity {
	switch {
	case score < 4:
		return finding.Low
	case score < 7:
		return finding.Medium
	}
	return finding.High
}

// metrics splits "K:V/K:V" into a map, rejecting duplicates and values
// outside allowed.
func metrics(vector string, parts []string, allowed map[string]string) (map[string]string, error) {
	m := make(map[string]string, len(parts))
	for _, p := range parts {
		k, v, ok := strings.Cut(p, ":")
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("score %q: %w: malformed metric %q", vector, ErrInvalidVector, p)
		}
		vals, known := allowed[k]
		if !known {
			return nil, fmt.Errorf("score %q: %w: unknown metric %q", vector, ErrInvalidVector, k)
		}
		if !contains(strings.Split(vals, ","), v) {
			return nil, fmt.Errorf("score %q: %w: metric %s has no value %q", vector, ErrInvalidVector, k, v)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("score %q: %w: metric %s given twice", vector, ErrInvalidVector, k)
		}
		m[k] = v
	}
	return m, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func requireAll(vector string, m map[string]string, keys ...string) error {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return fmt.Errorf("score %q: %w: base metric %s missing", vector, ErrInvalidVector, k)
		}
	}
	return nil
}

// round1 rounds to one decimal, half up.
func round1(x float64) float64 { return math.Floor(x*10+0.5+1e-9) / 10 }
