package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rule033 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-033", Name: "go-install-unversioned", Severity: finding.Low,
		Title:       "go install without @version",
		Aliases:     []string{"DL3062"},
		Description: "`go install pkg` (or `go get pkg`) outside a module resolves the newest version at build time.",
		Fix:         "Name the version: `go install golang.org/x/tools/gopls@v0.15.3`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			if c.Name != "go" || !isSub(c, "install", "get", "run") {
				return "", false
			}
			var loose []string
			for _, o := range c.Operands(c.Sub(), "-o", "-ldflags", "-tags", "-gcflags", "-asmflags", "-mod", "-C", "-p", "-exec", "-modfile", "-overlay", "-pkgdir", "-toolexec") {
				if strings.HasPrefix(o, ".") || strings.HasPrefix(o, "/") || strings.HasPrefix(o, "$") || strings.HasSuffix(o, ".go") {
					continue
				}
				path, ver, hasVer := strings.Cut(o, "@")
				// A module path has a dot in its first element; "std" and
				// "cmd/..." patterns are the toolchain's own.
				if first, _, _ := strings.Cut(path, "/"); !strings.Contains(first, ".") {
					continue
				}
				if !hasVer || ver == "" || ver == "latest" || ver == "upgrade" || ver == "patch" {
					loose = append(loose, o)
				}
			}
			return "Unversioned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
