package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// KEV is a set of CVE ids known to be exploited in the wild (CISA's Known
// Exploited Vulnerabilities catalog).
type KEV map[string]bool

// Has reports whether id, or any of aliases, is in the catalog.
func (k KEV) Has(id string, aliases ...string) bool {
	if len(k) == 0 {
		return false
	}
	if k[strings.ToUpper(id)] {
		return true
	}
	for _, a := range aliases {
		if k[strings.ToUpper(a)] {
			return true
		}
	}
	return false
}

// maxKEV bounds the catalog read (the real one is about 1.5 MB).
const maxKEV = 64 << 20

var cveID = regexp.MustCompile(`^CVE-\d{4}-\d{4,9}$`)

// LoadKEV reads CISA's known_exploited_vulnerabilities.json. Entries whose
// cveID is not a CVE id are skipped; a document without a vulnerabilities
// array, or larger than 64 MiB, is an error.
func LoadKEV(r io.Reader) (KEV, error) {
	var doc struct {
		Vulnerabilities *[]struct {
			CVE string `json:"cveID"`
		} `json:"vulnerabilities"`
	}
	lr := &io.LimitedReader{R: r, N: maxKEV + 1}
	if err := json.NewDecoder(lr).Decode(&doc); err != nil {
		if lr.N <= 0 {
			return nil, errors.New("KEV catalog: larger than 64 MiB")
		}
		return nil, fmt.Errorf("KEV catalog: %w", err)
	}
	if doc.Vulnerabilities == nil {
		return nil, errors.New("KEV catalog: no vulnerabilities array (want CISA's known_exploited_vulnerabilities.json)")
	}
	k := KEV{}
	for _, v := range *doc.Vulnerabilities {
		id := strings.ToUpper(strings.TrimSpace(v.CVE))
		if cveID.MatchString(id) {
			k[id] = true
		}
	}
	return k, nil
}
