package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// archiveSuffixes are the local files ADD unpacks, which COPY cannot.
// Docker unpacks a local tar archive, compressed or not, whatever its name:
// a name ending in a compression suffix may hold one (.gz, .bz2, .xz), so
// such an ADD is not taken for a plain copy. A .zip is never unpacked.
var archiveSuffixes = []string{".tar", ".tgz", ".tbz", ".tbz2", ".tb2", ".txz", ".tzst", ".tlz", ".gz", ".bz2", ".xz", ".zst", ".lz", ".lzma", ".lz4", ".z"}

func isArchive(s string) bool {
	l := strings.ToLower(unquote(s))
	for _, suf := range archiveSuffixes {
		if strings.HasSuffix(l, suf) {
			return true
		}
	}
	return false
}

// addIsCopy reports whether an ADD only copies local files.
func addIsCopy(in *Instr) bool {
	if in.Cmd != "add" {
		return false
	}
	src, _ := sourcesDest(in)
	if len(src) == 0 {
		return false
	}
	if _, ok := in.Flag("checksum"); ok {
		return false
	}
	for _, s := range src {
		s = unquote(s)
		if isURL(s) || isGit(s) || isArchive(s) || strings.Contains(s, "$") {
			return false
		}
	}
	return true
}

var rule006 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-006", Name: "add-local-files", Severity: finding.Low,
		Title:       "ADD used to copy local files",
		Aliases:     []string{"DL3020", "DS-0005", "CIS-4.9"},
		Description: "ADD also fetches URLs and unpacks archives, so using it for plain files hides what the instruction may do; COPY does only the copy.",
		Fix:         "Use COPY for local files and directories.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if addIsCopy(in) {
					out = append(out, hit(in, ""))
				}
			}
		}
		return out
	},
}
