package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// pipValued are pip install flags that take a separate value.
var pipValued = []string{"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
	"-f", "--find-links", "-t", "--target", "--prefix", "--root", "--src", "--trusted-host", "--platform",
	"--python-version", "--implementation", "--abi", "--progress-bar", "--cache-dir", "--upgrade-strategy", "-e", "--editable",
	"-b", "--build", "--log", "--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert", "--global-option", "--install-option", "--config-settings", "--only-binary", "--no-binary", "--report"}

// pipInstall returns c as a pip command (pip, pip3, python -m pip) with
// its arguments after "pip", or nil.
func pipInstall(c *Command) *Command {
	name := c.Name
	args := c.Args
	if strings.HasPrefix(name, "python") && len(args) >= 2 && args[0] == "-m" && (args[1] == "pip" || args[1] == "pip3") {
		name, args = "pip", args[2:]
	}
	if !isPipName(name) {
		return nil
	}
	p := &Command{Name: "pip", Args: args}
	if p.Sub() != "install" {
		return nil
	}
	return p
}

// isPipName matches pip, pip2, pip3 and versioned names such as pip3.12;
// pipx and pipenv are other tools.
func isPipName(name string) bool {
	if !strings.HasPrefix(name, "pip") {
		return false
	}
	rest := name[3:]
	for i := 0; i < len(rest); i++ {
		if (rest[i] < '0' || rest[i] > '9') && rest[i] != '.' {
			return false
		}
	}
	return true
}

// pipGitPinned reports whether a git+ requirement names a revision
// (git+https://host/repo.git@v1.2#egg=x).
func pipGitPinned(o string) bool {
	_, rest, ok := strings.Cut(o, "://")
	if !ok {
		return strings.Contains(o, "@")
	}
	host, p, _ := strings.Cut(rest, "/")
	_ = host
	p, _, _ = strings.Cut(p, "#")
	return strings.Contains(p, "@")
}

var pipPinOps = []string{"==", ">=", "<=", "~=", "!=", "<", ">", "@"}

var rule028 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-028", Name: "pip-unpinned", Severity: finding.Low,
		Title:       "pip install without version pins",
		Aliases:     []string{"DL3013"},
		Description: "Python packages installed without a version (or a requirements/constraints file) change from build to build and can pull in a hijacked release.",
		Fix:         "Pin versions (`pip install flask==3.0.2`) or install from a locked requirements file (`-r requirements.txt`).",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			p := pipInstall(c)
			if p == nil {
				return "", false
			}
			if p.Has("-c", "--constraint") {
				return "", false
			}
			var loose []string
		next:
			for _, o := range p.Operands("install", pipValued...) {
				if strings.HasPrefix(o, "git+") {
					if !pipGitPinned(o) {
						loose = append(loose, o)
					}
					continue
				}
				if isLocalPkg(o) || strings.HasSuffix(o, ".whl") || strings.HasSuffix(o, ".tar.gz") || strings.HasSuffix(o, ".tgz") || strings.HasSuffix(o, ".zip") || strings.HasPrefix(o, "~") {
					continue
				}
				for _, op := range pipPinOps {
					if strings.Contains(o, op) {
						continue next
					}
				}
				loose = append(loose, o)
			}
			return "Unpinned: " + listShort(loose, 5) + ".", len(loose) > 0
		})
	},
}
