package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// insecureFlag returns the option of c that turns off TLS or signature
// verification, or "".
func insecureFlag(c *Command) string {
	for _, fl := range insecureFlags[c.Name] {
		if c.Has(fl) {
			return fl
		}
	}
	switch c.Name {
	case "npm", "yarn", "git", "echo", "printf":
	default:
		return ""
	}
	joined := strings.ToLower(strings.Join(c.Args, " "))
	switch {
	case c.Name == "npm" || c.Name == "yarn":
		if strings.Contains(joined, "strict-ssl false") || strings.Contains(joined, "strict-ssl=false") {
			return "strict-ssl false"
		}
	case c.Name == "git":
		if strings.Contains(joined, "sslverify=false") || strings.Contains(joined, "sslverify false") {
			return "http.sslVerify=false"
		}
	case c.Name == "echo" || c.Name == "printf":
		if strings.Contains(joined, "[trusted=yes]") {
			return "[trusted=yes]"
		}
	}
	return ""
}

// insecureFlags are, per command, the options that turn verification off.
var insecureFlags = map[string][]string{
	"curl":     {"-k", "--insecure"},
	"wget":     {"--no-check-certificate"},
	"pip":      {"--trusted-host"},
	"pip3":     {"--trusted-host"},
	"apk":      {"--allow-untrusted"},
	"apt-get":  {"--allow-unauthenticated", "--allow-insecure-repositories", "--force-yes"},
	"apt":      {"--allow-unauthenticated", "--allow-insecure-repositories"},
	"yum":      {"--nogpgcheck"},
	"dnf":      {"--nogpgcheck"},
	"microdnf": {"--nogpgcheck"},
	"zypper":   {"--no-gpg-checks", "--gpg-auto-import-keys"},
	"rpm":      {"--nosignature", "--nodigest"},
}

var rule069 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-069", Name: "insecure-download", Severity: finding.High,
		Title:       "TLS or package signature checks turned off",
		Aliases:     []string{"CIS-4.11"},
		Description: "Options like `curl -k`, `wget --no-check-certificate`, `--allow-untrusted`, `--nogpgcheck` or `[trusted=yes]` accept whatever a network attacker sends instead of verified software.",
		Fix:         "Remove the option and install the CA certificates or repository keys the download needs.",
	},
	Check: func(f *File, _ *Env) []Hit {
		return eachCmd(f, nil, func(in *Instr, c *Command) (string, bool) {
			fl := insecureFlag(c)
			return c.Name + " " + fl + ".", fl != ""
		})
	},
}
