package imagecheck

import (
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/secret"
)

// rootUser reports whether a config User runs as root.
func rootUser(u string) bool {
	u = strings.TrimSpace(u)
	if u == "" {
		return true
	}
	user, _, _ := strings.Cut(u, ":")
	return user == "root" || user == "0"
}

var checkRoot = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-001", Name: "runs-as-root", Severity: finding.High,
		Title:       "Image runs as root",
		Aliases:     []string{"CIS-DI-0001"},
		Description: "The image's default user is root (USER empty, root or 0), so the application and anyone who exploits it get root inside the container, one kernel bug or misconfiguration away from root on the host.",
		Fix:         "Create an unprivileged user in the Dockerfile and end it with `USER <name or uid>`.",
	},
	Check: func(e *env) []hit {
		if e.Config == nil || !rootUser(e.Config.Config.User) {
			return nil
		}
		ev := "User: " + e.Config.Config.User
		if e.Config.Config.User == "" {
			ev = "User is not set"
		}
		return []hit{{Object: "config User", Evidence: ev}}
	},
}

var checkHealthcheck = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-002", Name: "no-healthcheck", Severity: finding.Low,
		Title:       "No HEALTHCHECK",
		Aliases:     []string{"CIS-DI-0006"},
		Description: "Without a HEALTHCHECK the engine only knows whether the process is running, not whether it works: a hung service is never restarted or taken out of rotation.",
		Fix:         "Add a `HEALTHCHECK CMD ...` that probes the service, or set one in the orchestrator.",
	},
	Check: func(e *env) []hit {
		if e.Config == nil {
			return nil
		}
		h := e.Config.Config.Healthcheck
		if h != nil && len(h.Test) > 0 && !strings.EqualFold(h.Test[0], "NONE") {
			return nil
		}
		return []hit{{Object: "config Healthcheck"}}
	},
}

var checkExposeSSH = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-013", Name: "expose-ssh", Severity: finding.Medium,
		Title:       "Port 22 (SSH) exposed",
		Description: "The image exposes port 22, which means an SSH server in the container: another service to patch and attack, and a way around `docker exec` auditing.",
		Fix:         "Remove EXPOSE 22 and the SSH server; use `docker exec` or the orchestrator to get a shell.",
	},
	Check: func(e *env) []hit {
		if e.Config == nil {
			return nil
		}
		for p := range e.Config.Config.ExposedPorts {
			port, _, _ := strings.Cut(p, "/")
			if port == "22" {
				return []hit{{Object: "config ExposedPorts", Evidence: "ExposedPorts: " + p}}
			}
		}
		return nil
	},
}

var checkSecretEnv = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-014", Name: "secret-in-env", Severity: finding.High,
		Title:       "Secret in the image's environment",
		Aliases:     []string{"CIS-DI-0010"},
		Description: "ENV values are stored in the image config: anyone who can pull the image (or run `docker inspect`) reads them, and every container started from it inherits them.",
		Fix:         "Remove the value from ENV; pass secrets at run time through the orchestrator's secrets or mounted files.",
	},
	Check: func(e *env) []hit {
		if e.Config == nil {
			return nil
		}
		var names, ev []string
		for i, kv := range e.Config.Config.Env {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || strings.TrimSpace(v) == "" || e.ReportedEnv[i] {
				continue
			}
			if secret.IsSecretName(k) || secret.HasToken(v) {
				names = append(names, k)
				ev = append(ev, k+"="+secret.Redact(v))
			}
		}
		if len(names) == 0 {
			return nil
		}
		sort.Strings(names)
		sort.Strings(ev)
		return []hit{{Object: "config Env", Detail: "ENV sets " + listShort(names) + ".", Evidence: listShort(ev)}}
	},
}

var checkSensitiveVolume = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-017", Name: "volume-sensitive-dir", Severity: finding.Medium,
		Title:       "VOLUME on /sys, /dev or /proc",
		Aliases:     []string{"DKL-DI-0002"},
		Description: "A VOLUME over a kernel filesystem path invites running the image with that host directory mounted, which exposes the host's devices or kernel settings.",
		Fix:         "Remove the VOLUME instruction for /sys, /dev and /proc.",
	},
	Check: func(e *env) []hit {
		if e.Config == nil {
			return nil
		}
		var vs []string
		for v := range e.Config.Config.Volumes {
			p := "/" + cleanPath(v)
			for _, d := range []string{"/sys", "/dev", "/proc"} {
				if p == d || strings.HasPrefix(p, d+"/") {
					vs = append(vs, v)
				}
			}
		}
		if len(vs) == 0 {
			return nil
		}
		sort.Strings(vs)
		return []hit{{Object: "config Volumes", Evidence: "Volumes: " + listShort(vs)}}
	},
}

var checkLatest = &rule{
	Meta: RuleMeta{
		ID: "BH-IMG-010", Name: "tag-latest", Severity: finding.Medium,
		Title:       "Image referenced by the latest tag or no tag",
		Aliases:     []string{"DKL-DI-0006"},
		Description: "`latest` (or no tag, which means latest) is whatever was pushed last: the image that was scanned may not be the one that runs, and rollbacks are not reproducible.",
		Fix:         "Reference the image by a version tag, or better by digest (`name@sha256:...`).",
	},
	Check: func(e *env) []hit {
		if strings.TrimSpace(e.Name) == "" || strings.Contains(e.Name, "@sha256:") {
			return nil
		}
		t := strings.TrimSpace(e.Tag)
		if t != "" && t != "latest" {
			return nil
		}
		ref := e.Name
		if t != "" && !strings.HasSuffix(ref, ":"+t) {
			ref += ":" + t
		}
		return []hit{{Object: "reference " + e.Name, Evidence: ref}}
	},
}
