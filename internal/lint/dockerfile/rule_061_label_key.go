package dockerfile

import (
	"regexp"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var labelKey = regexp.MustCompile(`^[a-z]([a-z0-9.-]*[a-z0-9])?$`)

var reservedLabelPrefixes = []string{"com.docker.", "io.docker.", "org.dockerproject."}

var rule061 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-061", Name: "label-key-format", Severity: finding.Info,
		Title:       "Label key breaks the naming convention",
		Aliases:     []string{"DL3048"},
		Description: "Label keys should be lower-case reverse-DNS names of letters, digits, dots and dashes, and must not use Docker's reserved namespaces; tools that query labels expect that.",
		Fix:         "Rename the key, e.g. `org.opencontainers.image.source`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, in := range f.Instrs {
			if in.Cmd != "label" {
				continue
			}
			for _, kv := range pairList(in) {
				k := unquote(kv[0])
				bad := !labelKey.MatchString(k) || strings.Contains(k, "..") || strings.Contains(k, "--")
				for _, p := range reservedLabelPrefixes {
					if strings.HasPrefix(k, p) {
						bad = true
					}
				}
				if bad && !strings.Contains(k, "$") {
					out = append(out, hit(in, "Key "+k+"."))
					break
				}
			}
		}
		return out
	},
}
