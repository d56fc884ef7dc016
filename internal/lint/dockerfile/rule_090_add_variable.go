package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule090 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-090", Name: "add-variable-source", Severity: finding.Low,
		Title:       "ADD with a source taken from a variable",
		Aliases:     []string{"DS-0005"},
		Description: "What `ADD $SRC` does is decided at build time: a URL is downloaded, an archive is unpacked, a plain file is copied. A build argument can therefore turn it into a download from anywhere. (`--checksum` pins the content and is not flagged.)",
		Fix:         "Use COPY when the source is local; for a download, write the URL and add `--checksum=sha256:...`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, in := range f.Instrs {
			if in.Cmd != "add" {
				continue
			}
			if _, ok := in.Flag("checksum"); ok {
				continue
			}
			src, _ := sourcesDest(in)
			for _, s := range src {
				// A URL or git source is remote whatever its variables
				// say (BH-DF-007 judges those); a variable elsewhere
				// decides what kind of source it is.
				if isURL(s) || isGit(s) || strings.Contains(s, "://") {
					continue
				}
				if strings.Contains(s, "$") {
					out = append(out, hit(in, "Source "+s+"."))
					break
				}
			}
		}
		return out
	},
}
