package imagecheck

import (
	"fmt"
	"time"

	"github.com/bulkhead-sec/bulkhead/internal/eol"
	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var checkEOL = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-009", Name: "os-eol", Severity: finding.High,
		Title:       "Operating system release is end-of-life",
		Description: "The distribution no longer publishes security updates for this release: new vulnerabilities in its packages stay unfixed, and vulnerability data often stops listing them.",
		Fix:         "Rebuild on a supported release of the distribution (or a distroless/minimal base that is kept current).",
	},
	Check: func(e *env) []hit {
		if e.OS == nil || e.OS.ID == "" {
			return nil
		}
		r, ok := eol.Lookup(e.OS.ID, e.OS.VersionID)
		if !ok && e.OS.Codename != "" {
			r, ok = eol.Lookup(e.OS.ID, e.OS.Codename)
		}
		if !ok || !r.IsEOL(e.now) {
			return nil
		}
		end := r.EOL.Format(time.DateOnly)
		detail := fmt.Sprintf("%s reached end of life on %s (%s support).", r, end, r.Basis)
		if r.Basis == eol.LTS && !r.StandardEOL.Equal(r.EOL) {
			detail = fmt.Sprintf("%s reached end of life on %s (standard support ended %s, LTS on %s).", r, end, r.StandardEOL.Format(time.DateOnly), end)
		}
		ver := e.OS.VersionID
		if ver == "" {
			ver = e.OS.Codename
		}
		return []hit{{
			Object:     "os " + e.OS.ID + " " + ver,
			Detail:     detail,
			Evidence:   fmt.Sprintf("%s %s: end of life %s (source: %s)", e.OS.ID, ver, end, r.Source),
			References: []string{r.Source},
			Extra:      map[string]any{"eol_date": end, "basis": string(r.Basis), "source": r.Source, "release": r.String()},
		}}
	},
}
