package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule031 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-031", Name: "gem-unpinned", Severity: finding.Low,
		Title:       "gem install without versions",
		Aliases:     []string{"DL3028"},
		Description: "`gem install name` takes whatever version is newest at build time.",
		Fix:         "Pin versions: `gem install rails:7.1.3` or `gem install rails -v 7.1.3`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "gem" || !isSub(c, "install", "i") || c.Has("-v", "--version") {
				return "", false
			}
			var loose []string
			for _, o := range gemOperands(c) {
				if !strings.Contains(o, ":") && !isLocalPkg(o) && !strings.HasSuffix(o, ".gem") {
					loose = append(loose, o)
				}
			}
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}

// gemBool are gem install's flags that take no value.
var gemBool = map[string]bool{"--no-document": true, "-N": true, "--no-ri": true, "--no-rdoc": true, "--document": true,
	"--conservative": true, "--minimal-deps": true, "--force": true, "-f": true, "--user-install": true, "--no-user-install": true,
	"--ignore-dependencies": true, "--development": true, "--development-all": true, "--prerelease": true, "--pre": true,
	"--quiet": true, "-q": true, "--verbose": true, "-V": true, "--env-shebang": true, "-E": true, "--no-env-shebang": true,
	"--both": true, "-b": true, "--local": true, "-l": true, "--remote": true, "-r": true, "--clear-sources": true,
	"--wrappers": true, "--no-wrappers": true, "--lock": true, "--no-lock": true, "--suggestions": true, "--no-suggestions": true,
	"--default": true, "--explain": true, "--norc": true, "--backtrace": true, "--debug": true, "--vendor": true, "--no-post-install-message": true,
	"--post-install-message": true, "--install-as-default": true, "--system": true, "--http-proxy": false}

// gemOperands returns the gem names of `gem install`: words after the
// subcommand that are neither flags nor a flag's value, up to "--" (after
// which come build options for the gem's native extension).
func gemOperands(c *Command) []string {
	var out []string
	seenSub := false
	skip := false
	for _, a := range c.Args {
		if a == "--" {
			break
		}
		if skip {
			skip = false
			continue
		}
		if strings.HasPrefix(a, "-") {
			if !strings.Contains(a, "=") && !gemBool[a] && !(len(a) > 2 && a[1] != '-') {
				skip = true
			}
			continue
		}
		if !seenSub {
			seenSub = a == "install" || a == "i"
			continue
		}
		out = append(out, a)
	}
	return out
}
