package imagecheck

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// remoteAdd matches ADD of a URL in a history line, in both the classic
// builder's "#(nop) ADD" and BuildKit's "ADD ... # buildkit" forms.
var remoteAdd = regexp.MustCompile(`(?i)\bADD\s+(?:--\S+\s+)*(https?://\S+)`)

// sudoUse matches sudo run as a command in a history line.
var sudoUse = regexp.MustCompile(`(?:^|[\s;&|(])sudo\s`)

func trimLine(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}

var checkRemoteAdd = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-011", Name: "remote-add", Severity: finding.Medium,
		Title:       "ADD of a remote URL in the image history",
		Aliases:     []string{"CIS-DI-0009"},
		Description: "ADD downloads without checking a checksum or signature (unless --checksum is given), so what went into the layer depends on the server at build time.",
		Fix:         "Download with curl or wget in a RUN step and verify a pinned checksum, or use `ADD --checksum=sha256:...`.",
	},
	Check: func(e *env) []hit {
		var out []hit
		for _, l := range e.Layers {
			m := remoteAdd.FindStringSubmatch(l.CreatedBy)
			if m == nil || strings.Contains(l.CreatedBy, "--checksum") {
				continue
			}
			out = append(out, hit{Layer: l.Digest, Object: "history", Detail: "The layer was added from " + m[1] + ".", Evidence: trimLine(l.CreatedBy)})
		}
		return out
	},
}

var checkSudo = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-012", Name: "sudo", Severity: finding.Medium,
		Title:       "sudo installed or used in the build",
		Aliases:     []string{"DKL-DI-0001"},
		Description: "sudo in a container is a setuid-root binary with its own history of privilege-escalation bugs, and it is never needed: the build already runs as root and a running container should not regain it.",
		Fix:         "Run build steps before USER as root without sudo, and do not install sudo in the final image.",
	},
	Check: func(e *env) []hit {
		var out []hit
		for _, p := range []string{"usr/bin/sudo", "bin/sudo", "usr/sbin/sudo", "usr/local/bin/sudo"} {
			if f := e.file(p); f != nil {
				out = append(out, hit{Path: p, Layer: f.Layer, Evidence: fmt.Sprintf("%s (%s)", p, f.Mode)})
				break
			}
		}
		if len(out) == 0 {
			// The binary may sit elsewhere; the package database still says.
			for _, pk := range e.Packages {
				if pk.Name == "sudo" || pk.Name == "sudo-rs" {
					out = append(out, hit{Path: pk.Path, Layer: pk.Layer, Object: "package " + pk.Name, Evidence: pk.Name + " " + pk.Version + " (" + pk.Type + ")"})
					break
				}
			}
		}
		for _, l := range e.Layers {
			if sudoUse.MatchString(l.CreatedBy) {
				out = append(out, hit{Layer: l.Digest, Object: "history", Evidence: trimLine(l.CreatedBy)})
			}
		}
		return out
	},
}

// MaxLayers is the layer count above which BH-IMG-016 fires.
const MaxLayers = 50

var checkLayerCount = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-016", Name: "too-many-layers", Severity: finding.Info,
		Title:       "Image has more than 50 layers",
		Description: "Every layer costs a download, a mount and a place where deleted files still take space; images this deep are usually built with one RUN per command.",
		Fix:         "Combine related RUN steps, or use a multi-stage build and copy the result into a fresh stage.",
	},
	Check: func(e *env) []hit {
		if len(e.Layers) <= MaxLayers {
			return nil
		}
		return []hit{{Object: "layers", Evidence: fmt.Sprintf("%d layers", len(e.Layers)), Extra: map[string]any{"layers": len(e.Layers)}}}
	},
}
