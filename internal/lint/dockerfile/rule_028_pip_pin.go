package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// pipValued are pip install flags that take a separate value.
var pipValued = []string{"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
	"-f", "--find-links", "-t", "--target", "--prefix", "--root", "--src", "--trusted-host", "--platform",
	"--python-version", "--implementation", "--abi", "--progress-bar", "--cache-dir", "--upgrade-strategy", "-e", "--editable"}

// pipInstall returns c as a pip command (pip, pip3, python -m pip) with
// its arguments after "pip", or nil.
func pipInstall(c *Command) *Command {
	name := c.Name
	args := c.Args
	if strings.HasPrefix(name, "python") && len(args) >= 2 && args[0] == "-m" && (args[1] == "pip" || args[1] == "pip3") {
		name, args = "pip", args[2:]
	}
	if name != "pip" && name != "pip3" && !strings.HasPrefix(name, "pip3.") {
		return nil
	}
	p := &Command{Name: "pip", Args: args}
	if p.Sub() != "install" {
		return nil
	}
	return p
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
			var loose []string
		next:
			for _, o := range p.Operands("install", pipValued...) {
				if isLocalPkg(o) || strings.HasSuffix(o, ".whl") || strings.HasSuffix(o, ".tar.gz") || strings.HasSuffix(o, ".zip") || strings.HasPrefix(o, "git+") {
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
