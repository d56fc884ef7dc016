package dockerfile

import (
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var secretFileNames = map[string]bool{
	"id_rsa": true, "id_dsa": true, "id_ecdsa": true, "id_ed25519": true, ".env": true, ".npmrc": true,
	".pypirc": true, ".netrc": true, ".git-credentials": true, "credentials": true, "credentials.json": true,
	".htpasswd": true, ".pgpass": true, ".dockercfg": true, "secrets.yml": true, "secrets.yaml": true,
	"service-account.json": true, "terraform.tfvars": true,
}

var secretFileSuffixes = []string{".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".kdbx"}

var secretDirs = []string{".ssh", ".aws", ".gnupg", ".docker", ".kube"}

// secretPath reports whether a COPY/ADD source names a credential file.
func secretPath(p string) bool {
	p = strings.TrimRight(unquote(p), "/")
	base := strings.ToLower(path.Base(p))
	if secretFileNames[base] || strings.HasPrefix(base, ".env.") && base != ".env.example" && base != ".env.sample" {
		return true
	}
	// A .pem may be a public certificate; only a key-looking one counts.
	if strings.HasSuffix(base, ".pem") && (strings.Contains(base, "key") || strings.Contains(base, "private")) {
		return true
	}
	for _, s := range secretFileSuffixes {
		if strings.HasSuffix(base, s) {
			return true
		}
	}
	for _, d := range secretDirs {
		if base == d || strings.Contains(p, "/"+d+"/") || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

var rule068 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-068", Name: "secret-file-copied", Severity: finding.High,
		Title:       "Credential file copied into the image",
		Aliases:     []string{"DS-0031", "CIS-4.10"},
		Description: "Keys, .env files, .npmrc/.netrc tokens and cloud credentials copied by COPY/ADD stay in a layer of the image even if a later step deletes them.",
		Fix:         "Mount the secret only where it is needed: `RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`.",
	},
	Check: func(f *File, _ *Env) []Hit {
		var out []Hit
		for _, st := range f.Stages {
			for _, in := range st.Instrs {
				if in.Cmd != "copy" && in.Cmd != "add" {
					continue
				}
				src, _ := sourcesDest(in)
				for _, s := range src {
					if secretPath(s) {
						out = append(out, hit(in, "Copies "+s+"."))
						break
					}
				}
			}
		}
		return out
	},
}
