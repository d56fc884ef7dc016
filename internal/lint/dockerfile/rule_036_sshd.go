package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

func isSSHServerPkg(p string) bool {
	name := strings.ToLower(p)
	if i := strings.IndexAny(name, "=<>~"); i > 0 {
		name = name[:i]
	}
	return name == "openssh-server" || name == "openssh" || name == "dropbear" || name == "ssh" || strings.HasPrefix(name, "openssh-server-")
}

var rule036 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-036", Name: "sshd-installed", Severity: finding.Medium,
		Title:       "SSH server installed in the image",
		Aliases:     []string{"CIS-4.3"},
		Description: "An SSH daemon in a container is another door with its own credentials and keys to manage; `docker exec` already gives shell access. Only stages that end up in the final image are judged.",
		Fix:         "Remove openssh-server (or dropbear) from the image and use `docker exec` or `kubectl exec`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, shipped(f), func(in *Instr, c *Command) (string, bool) {
			_, pkgs, ok := pkgInstall(c)
			if !ok {
				return "", false
			}
			for _, p := range pkgs {
				if isSSHServerPkg(p) {
					return "Installs " + p + ".", true
				}
			}
			return "", false
		})
	},
}
