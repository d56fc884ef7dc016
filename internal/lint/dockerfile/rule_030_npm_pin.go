package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var npmValued = []string{"--registry", "--prefix", "-w", "--workspace", "--cache", "--tag", "--omit", "--include", "--loglevel", "--userconfig", "--globalconfig", "--install-strategy", "--fetch-retries", "--fetch-timeout", "--proxy", "--https-proxy"}

// npmPinned reports whether an npm install operand names a version: a
// name@version, a git URL with #commit-ish, a tarball or a folder.
func npmPinned(o string) bool {
	l := strings.ToLower(o)
	switch {
	case strings.HasPrefix(l, "git") || strings.HasPrefix(l, "github:") || strings.HasPrefix(l, "gitlab:") || strings.HasPrefix(l, "bitbucket:"):
		return strings.Contains(o, "#")
	case strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "file:"):
		return true
	case strings.HasSuffix(l, ".tgz") || strings.HasSuffix(l, ".tar.gz") || strings.HasSuffix(l, ".tar"):
		return true
	case isLocalPkg(o) || strings.HasPrefix(o, "~"):
		return true
	}
	name := o
	if strings.HasPrefix(name, "@") {
		if i := strings.IndexByte(name, '/'); i > 0 {
			name = name[i+1:]
		}
	}
	at := strings.IndexByte(name, '@')
	return at >= 0 && at < len(name)-1 && !strings.EqualFold(name[at+1:], "latest")
}

var rule030 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-030", Name: "npm-unpinned", Severity: finding.Low,
		Title:       "npm install of packages without versions",
		Aliases:     []string{"DL3016"},
		Description: "`npm install name` takes whatever version is newest at build time; a compromised release is installed the moment it is published.",
		Fix:         "Pin versions (`npm install express@4.19.2`) or install from a lockfile with `npm ci`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "npm" || !isSub(c, "install", "i", "add", "isntall") {
				return "", false
			}
			var loose []string
			for _, o := range c.Operands(c.Sub(), npmValued...) {
				if !npmPinned(o) {
					loose = append(loose, o)
				}
			}
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
