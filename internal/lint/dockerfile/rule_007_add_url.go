package dockerfile

import "github.com/bulkhead-sec/bulkhead/internal/finding"

var rule007 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-007", Name: "add-remote-url", Severity: finding.Medium,
		Title:       "ADD fetches a remote URL without a checksum",
		Aliases:     []string{"CIS-4.9", "CIS-4.11"},
		Description: "ADD of an http(s) URL downloads whatever the server returns at build time, with no integrity check, into a layer that cannot be cleaned up.",
		Fix:         "Add `--checksum=sha256:<hash>` to the ADD, or download with curl/wget in a RUN and verify the checksum there.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if in.Cmd != "add" {
					continue
				}
				if _, ok := in.Flag("checksum"); ok {
					continue
				}
				src, _ := sourcesDest(in)
				for _, s := range src {
					if isURL(s) {
						out = append(out, hit(in, "ADD downloads "+s+" without --checksum."))
						break
					}
				}
			}
		}
		return out
	},
}
