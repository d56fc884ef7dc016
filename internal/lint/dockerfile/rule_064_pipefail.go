package dockerfile

import (
	"path"
	"slices"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// pipefailShells are the shells whose -o pipefail works; plain sh (dash on
// Debian) is not one of them.
var pipefailShells = map[string]bool{"bash": true, "zsh": true, "ash": true, "ksh": true, "mksh": true}

// pipefailShell reports whether the SHELL in effect for in sets pipefail
// in a shell that has the option.
func pipefailShell(in *Instr) bool {
	if in.Shell == nil || len(in.Shell.Args) == 0 || !slices.Contains(in.Shell.Args, "pipefail") {
		return false
	}
	return pipefailShells[path.Base(in.Shell.Args[0])]
}

var rule064 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-064", Name: "pipe-without-pipefail", Severity: finding.Low,
		Title:       "RUN with a pipe but without pipefail",
		Aliases:     []string{"DL4006"},
		Description: "A pipeline's status is that of its last command, so `curl ... | tar x` succeeds even when the download failed, and the image is built broken.",
		Fix:         "Start the RUN with `set -o pipefail &&`, or set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachRun(f, nil, func(in *Instr) (string, bool) {
			if in.JSON || !in.ShellParsed || pipefailShell(in) {
				return "", false
			}
			piped := false
			for _, c := range in.Commands {
				if c.Pipe > 0 && !c.Nested {
					piped = true
				}
				if c.Name == "set" && strings.Contains(strings.Join(c.Args, " "), "pipefail") {
					return "", false
				}
			}
			return "", piped
		})
	},
}
