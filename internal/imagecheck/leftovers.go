package imagecheck

import (
	"path"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// unneededNames are build and editor files that have no place in a
// runtime image; unneededDirs are directories of tool state.
var (
	unneededNames = set("dockerfile", "containerfile", "docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml",
		".dockerignore", ".ds_store", ".vimrc", ".bash_history", ".viminfo", ".python_history", ".node_repl_history", ".lesshst")
	unneededDirs = set(".git", ".svn", ".hg", ".vscode", ".idea", ".aws", ".azure", ".gcp", ".kube", ".docker")
)

// credentialNames are files whose name says they hold credentials.
var (
	credentialNames = set("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".env", ".netrc", ".pgpass", ".git-credentials", ".npmrc", ".pypirc",
		"credentials.xml", "secret_token.rb", "omniauth.rb", "carrierwave.rb", "database.yml", "settings.py", "credentials", "htpasswd", ".htpasswd")
	credentialExts = set(".secret", ".ovpn", ".private_key", ".cscfg", ".rdp", ".mdf", ".sdf", ".sqlite3", ".bek", ".tpm", ".fve", ".jks", ".psafe3", ".agilekeychain", ".keychain", ".pcap", ".gnucash", ".kwallet", ".tblk", ".dayone", ".keypair", ".p12", ".pfx")
)

// underSystemDir reports whether p lies where packages, not the user's
// build context, put files: system directories, the Go toolchain and module
// cache, and language dependency trees. A Dockerfile or .env shipped inside
// a Go module, an npm package or a Python distribution is the dependency's
// own test or build file, not a sign of a careless `COPY . .`.
func underSystemDir(p string) bool {
	for _, d := range []string{"usr/share/", "usr/lib/", "usr/include/", "lib/", "usr/local/lib/", "opt/", "usr/local/go/"} {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	sp := "/" + p
	for _, d := range []string{"/node_modules/", "/site-packages/", "/dist-packages/", "/.cargo/registry/", "/.m2/repository/"} {
		if strings.Contains(sp, d) {
			return true
		}
	}
	// A Go module cache: GOPATH/pkg/mod/path@version/...
	if i := strings.Index(sp, "/pkg/mod/"); i >= 0 && strings.Contains(sp[i:], "@") {
		return true
	}
	return false
}

var checkUnneeded = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-018", Name: "unneeded-files", Severity: finding.Info,
		Title:       "Build or editor files left in the image",
		Aliases:     []string{"DKL-LI-0003"},
		Description: "Dockerfiles, compose files, VCS metadata (.git), IDE folders, cloud-CLI folders (.aws, .kube) and shell histories copied into an image reveal how it is built and sometimes credentials; they usually come from a `COPY . .` without a .dockerignore.",
		Fix:         "Add these paths to .dockerignore, or copy only what the application needs.",
	},
	Check: func(e *env) []hit {
		var items []listed
		seenDir := map[string]bool{}
		for _, f := range e.sorted {
			if underSystemDir(f.p) {
				continue
			}
			parts := strings.Split(f.p, "/")
			hitDir := ""
			for i, part := range parts[:len(parts)-1] {
				if unneededDirs[part] {
					hitDir = strings.Join(parts[:i+1], "/")
					break
				}
			}
			switch {
			case hitDir != "":
				if !seenDir[hitDir] {
					seenDir[hitDir] = true
					items = append(items, listed{Path: hitDir, Layer: f.Layer})
				}
				if f.Mode.IsRegular() {
					items[len(items)-1].Size += f.Size
				}
			case f.Mode.IsRegular() && unneededNames[strings.ToLower(path.Base(f.p))]:
				items = append(items, listed{Path: f.p, Size: f.Size, Layer: f.Layer})
			}
		}
		return fileListHit(items, "")
	},
}

var checkCredentialFiles = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-019", Name: "credential-files", Severity: finding.Medium,
		Title:       "Files named like credentials in the image",
		Aliases:     []string{"CIS-DI-0010"},
		Description: "Private keys (id_rsa), .env files, .netrc, .npmrc, .pypirc, keystores and similar files are readable by anyone who pulls the image, even when a later layer deletes them from the final filesystem.",
		Fix:         "Keep credentials out of the build context (.dockerignore) and pass them with `RUN --mount=type=secret` at build time or as runtime secrets.",
	},
	Check: func(e *env) []hit {
		var items []listed
		for _, f := range e.sorted {
			if !f.Mode.IsRegular() || underSystemDir(f.p) || e.ReportedFiles[f.p] {
				continue
			}
			base := strings.ToLower(path.Base(f.p))
			if credentialNames[base] || credentialExts[path.Ext(base)] {
				items = append(items, listed{Path: f.p, Size: f.Size, Layer: f.Layer})
			}
		}
		return fileListHit(items, "")
	},
}
