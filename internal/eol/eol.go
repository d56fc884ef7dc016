// Package eol knows when operating-system releases stop getting security
// updates. It holds an embedded table (releases.tsv) of end dates for Alpine,
// Debian, Ubuntu, the RHEL family, Amazon Linux and Fedora, each row naming
// the support phase its date closes and the vendor page it comes from.
//
// Lookup answers for an os-release style id and version ("debian", "12.4");
// FromImage answers for a Docker Hub image reference as written in a FROM line
// ("python", "3.11-alpine3.18").
package eol

import (
	_ "embed"
	"fmt"
	"strings"
	"time"
)

// Basis says which support phase a release's EOL date closes.
type Basis string

// The support phases used in the table.
const (
	// Standard is the vendor's regular security support (Alpine main
	// repository, Debian security team, Ubuntu standard support, Fedora).
	Standard Basis = "standard"
	// LTS is a free long-term support phase run in the same archive after
	// standard support (Debian LTS).
	LTS Basis = "lts"
	// Maintenance is the end of the RHEL-style maintenance phase, after which
	// only paid extended support exists.
	Maintenance Basis = "maintenance"
	// Premier is Oracle Linux premier support.
	Premier Basis = "premier"
)

// Release is one row of the table.
type Release struct {
	// ID is the os-release ID: alpine, debian, ubuntu, rhel, centos,
	// centos-stream, rocky, almalinux, ol, amzn, fedora.
	ID string
	// Name is the product name, such as "Debian".
	Name string
	// Version is the release branch: "3.18", "12", "22.04", "2023".
	Version string
	// Codename is the release codename, such as "bookworm", when it has one.
	Codename string
	// EOL is the day the release stops getting updates under Basis.
	EOL time.Time
	// Basis says which support phase EOL closes.
	Basis Basis
	// StandardEOL is the end of standard support when Basis is LTS (the two
	// are the same otherwise).
	StandardEOL time.Time
	// Source is the vendor page the dates come from.
	Source string
	// Note says when a date is an announced plan rather than a fixed day.
	Note string
}

// String names the release, such as "Alpine Linux 3.18".
func (r Release) String() string {
	s := r.Name + " " + r.Version
	if r.Codename != "" {
		s += " (" + r.Codename + ")"
	}
	return s
}

// IsEOL reports whether the release has ended at time now: the end date is
// the last supported day (UTC), so the release is past its end from the
// start of the next day.
func (r Release) IsEOL(now time.Time) bool {
	return !r.EOL.IsZero() && !now.UTC().Before(r.EOL.AddDate(0, 0, 1))
}

//go:embed releases.tsv
var releasesTSV string

var table = mustParse(releasesTSV)

func mustParse(src string) []Release {
	rs, err := parseTable(src)
	if err != nil {
		panic(err) // the table is embedded; TestTable keeps it valid
	}
	return rs
}

// parseTable reads the tab-separated table: id, name, version, codename,
// eol, basis, standard_eol, source, note. Lines starting with # are comments.
func parseTable(src string) ([]Release, error) {
	var out []Release
	for n, line := range strings.Split(src, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 9 {
			return nil, fmt.Errorf("parse releases.tsv line %d: %d fields, want 9", n+1, len(f))
		}
		r := Release{ID: f[0], Name: f[1], Version: f[2], Codename: f[3], Basis: Basis(f[5]), Source: f[7], Note: f[8]}
		var err error
		if r.EOL, err = time.Parse(time.DateOnly, f[4]); err != nil {
			return nil, fmt.Errorf("parse releases.tsv line %d eol %q: %w", n+1, f[4], err)
		}
		r.StandardEOL = r.EOL
		if f[6] != "" && f[6] != "-" {
			if r.StandardEOL, err = time.Parse(time.DateOnly, f[6]); err != nil {
				return nil, fmt.Errorf("parse releases.tsv line %d standard_eol %q: %w", n+1, f[6], err)
			}
		}
		switch r.Basis {
		case Standard, LTS, Maintenance, Premier:
		default:
			return nil, fmt.Errorf("parse releases.tsv line %d: unknown basis %q", n+1, f[5])
		}
		if !strings.HasPrefix(r.Source, "https://") {
			return nil, fmt.Errorf("parse releases.tsv line %d: source %q is not an https URL", n+1, r.Source)
		}
		out = append(out, r)
	}
	return out, nil
}

// idAliases maps other spellings of an id to the table's id.
var idAliases = map[string]string{
	"redhat": "rhel", "ubi": "rhel", "rockylinux": "rocky", "alma": "almalinux",
	"oraclelinux": "ol", "oracle": "ol", "amazonlinux": "amzn", "amazon": "amzn",
	"centos-stream": "centos-stream", "centosstream": "centos-stream",
}

// Lookup finds the release of an OS by its os-release id and a version: a
// full version ("3.18.4", "12.4", "7.9.2009", "22.04.3"), the branch itself
// or a codename ("bookworm", "jammy").
func Lookup(id, version string) (Release, bool) {
	id = strings.ToLower(strings.TrimSpace(id))
	if a, ok := idAliases[id]; ok {
		id = a
	}
	v := strings.ToLower(strings.TrimSpace(version))
	v = strings.TrimPrefix(v, "v")
	if v == "" {
		return Release{}, false
	}
	for _, cand := range branchCandidates(id, v) {
		for _, r := range table {
			if r.ID != id {
				continue
			}
			if r.Version == cand || (r.Codename != "" && r.Codename == cand) {
				return r, true
			}
		}
	}
	return Release{}, false
}

// branchCandidates lists the spellings of v to try, most specific first.
func branchCandidates(id, v string) []string {
	cands := []string{v}
	parts := strings.Split(v, ".")
	switch id {
	case "alpine", "ubuntu", "amzn":
		// Two components name the branch: 3.18, 22.04, 2018.03.
		if len(parts) > 2 {
			cands = append(cands, parts[0]+"."+parts[1])
		}
		if id == "amzn" && len(parts) > 1 {
			cands = append(cands, parts[0])
		}
	default:
		// One component names the branch: 12, 8, 38.
		if len(parts) > 1 {
			cands = append(cands, parts[0])
		}
	}
	return cands
}
