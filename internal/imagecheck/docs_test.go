package imagecheck

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/rule/ruledoc"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the rule pages")

// inspects says what each check looks at, for its page.
var inspects = map[string]string{
	"BH-IMG-001": "the image config's `User`",
	"BH-IMG-002": "the image config's `Healthcheck`",
	"BH-IMG-003": "the mode bits of every regular file of the final filesystem",
	"BH-IMG-004": "the mode bits of every regular file and directory of the final filesystem",
	"BH-IMG-005": "programs in `bin` and `sbin` directories named sh, bash, dash, ash, zsh, ksh, mksh, csh, tcsh, fish, busybox, rbash",
	"BH-IMG-006": "programs in `bin` and `sbin` directories named apt, apt-get, aptitude, dpkg, apk, yum, dnf, microdnf, rpm, zypper, pip, pip3, pip3.N, npm, npx, yarn, gem",
	"BH-IMG-007": "programs in `bin` and `sbin` directories named gcc, cc, c++, g++ (also versioned and target-prefixed), clang, go, rustc, javac, tcc, gfortran",
	"BH-IMG-008": "programs in `bin` and `sbin` directories named curl, wget, nc, ncat, netcat, telnet, ssh, scp, sftp, socat, ftp, tftp",
	"BH-IMG-009": "the OS release (os-release ID and VERSION_ID, or the codename) against bulkhead's end-of-life table (`internal/eol`)",
	"BH-IMG-010": "the image reference the user gave",
	"BH-IMG-011": "the image history (`created_by` of every layer)",
	"BH-IMG-012": "`sudo` in the final filesystem (or a sudo package in the package database) and `sudo` commands in the image history",
	"BH-IMG-013": "the image config's `ExposedPorts`",
	"BH-IMG-014": "the image config's `Env`: names that look like secrets, or values that are well-known tokens",
	"BH-IMG-015": "files under var/lib/apt/lists, var/cache/apt, var/cache/apk, var/cache/yum, var/cache/dnf, root/.cache/pip, root/.npm/_cacache",
	"BH-IMG-016": "the number of layers (more than 50)",
	"BH-IMG-017": "the image config's `Volumes`",
	"BH-IMG-018": "file names outside system directories and dependency trees (Go toolchain and module cache, node_modules, site-packages, Cargo and Maven caches): Dockerfile, Containerfile, compose files, .dockerignore, .DS_Store, .vimrc, shell and REPL histories, and directories .git, .svn, .hg, .vscode, .idea, .aws, .azure, .gcp, .kube, .docker",
	"BH-IMG-019": "file names outside system directories and dependency trees (Go toolchain and module cache, node_modules, site-packages, Cargo and Maven caches): id_rsa, id_dsa, id_ecdsa, id_ed25519, .env, .netrc, .pgpass, .git-credentials, .npmrc, .pypirc, credentials, htpasswd, Rails and Django settings files, and extensions such as .ovpn, .p12, .pfx, .jks, .keychain",
}

// docSet is how the image checks' pages read.
var docSet = ruledoc.Set{
	Index: "# Image checks\n\n" +
		"bulkhead's image checks (`internal/imagecheck`) judge a built image from its config, its history\n" +
		"and its final filesystem (after whiteouts). The slimness checks (BH-IMG-005 to 008) give one\n" +
		"finding per category listing each program with its size and the layer that added it; their\n" +
		"`extra` holds the file list, the total size and the size per layer. Aliases are Dockle's ids.\n\n",
	AKA: func(aliases []string) (string, error) {
		if len(aliases) == 0 {
			return "", nil
		}
		return strings.Join(aliases, ", ") + " (Dockle)", nil
	},
	Flags: func(m RuleMeta) (string, error) {
		in, ok := inspects[m.ID]
		if !ok {
			return "", fmt.Errorf("no entry in inspects")
		}
		return fmt.Sprintf("It inspects %s.\n\n", in), nil
	},
}

// TestDocs keeps docs/rules/image in step with the checks. Run with
// -update to regenerate.
func TestDocs(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "docs", "rules", "image")
	files, err := docSet.Render(Rules())
	if err != nil {
		t.Fatal(err)
	}
	testenv.GoldenDir(t, dir, files, *update)
}
