package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

func isDownloader(name string) bool { return name == "curl" || name == "wget" }

var rule034 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-034", Name: "curl-pipe-shell", Severity: finding.High,
		Title:       "Downloaded script piped into a shell",
		Aliases:     []string{"CIS-4.11"},
		Description: "`curl ... | sh` runs whatever the server sends, unchecked, as the build user (often root); a compromised or spoofed server owns the image.",
		Fix:         "Download to a file, verify its checksum or signature, then run it.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachRun(f, nil, func(in *Instr) (string, bool) {
			for _, c := range in.Commands {
				if c.Pipe > 0 && isShell(c.Name) && c.PipePos > 0 {
					for _, d := range in.Commands {
						if d.Pipe == c.Pipe && d.PipePos < c.PipePos && isDownloader(d.Name) {
							return d.Name + " output is piped into " + c.Name + ".", true
						}
					}
				}
				if isShell(c.Name) {
					for _, a := range c.Args {
						if strings.Contains(a, "$(curl") || strings.Contains(a, "$(wget") || strings.Contains(a, "<(curl") || strings.Contains(a, "<(wget") {
							return c.Name + " runs a downloaded script.", true
						}
					}
				}
			}
			return "", false
		})
	},
}
