package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule022 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-022", Name: "dnf-cache", Severity: finding.Low,
		Title:       "dnf or microdnf install without clean all",
		Aliases:     []string{"DL3040", "DS-0019", "DS-0027"},
		Description: "dnf keeps packages and metadata under /var/cache/dnf in the layer unless the same RUN cleans them after installing (with the same tool: `microdnf clean all` does not clean dnf's cache). A cache mount or removing /var/cache/dnf or /var/cache/yum counts too.",
		Fix:         "End the RUN with `&& dnf clean all` (or `microdnf clean all`).",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachRun(f, nil, func(in *Instr) (string, bool) {
			if cacheMount(in, "/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5") {
				return "", false
			}
			for _, m := range []string{"dnf", "microdnf", "tdnf", "dnf5"} {
				installed, cleaned := -1, -1
				for i, c := range in.Commands {
					switch {
					case c.Name == m && isSub(c, "install", "groupinstall", "reinstall", "upgrade", "update"):
						installed = i
					case c.Name == m && c.Sub() == "clean" && containsStr(c.Operands("clean"), "all"):
						cleaned = i
					case c.Name == "rm" && cleaned < installed && installed >= 0 && removesArgs(c, "/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5"):
						cleaned = i
					}
				}
				if installed >= 0 && cleaned < installed {
					return m + " install without " + m + " clean all after it.", true
				}
			}
			return "", false
		})
	},
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// removesArgs reports whether an rm command removes a path under dirs.
func removesArgs(c *Command, dirs ...string) bool {
	for _, a := range c.Args {
		for _, d := range dirs {
			if strings.HasPrefix(a, d) {
				return true
			}
		}
	}
	return false
}
