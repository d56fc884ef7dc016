package compose

import (
	"sort"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/compose-spec/compose-go/v2/types"
)

var ruleCgroupParent = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-025", Name: "cgroup-parent", Severity: finding.Medium,
		Title:       "cgroup_parent set",
		Aliases:     []string{"4d9f44c6-2f4a-4317-9bb5-267adbea0232"},
		Description: "cgroup_parent moves the container out of the cgroup Docker manages for it, so the engine's resource limits and accounting for containers no longer apply and it shares limits with whatever else lives in that group.",
		Fix:         "Remove `cgroup_parent` and set limits on the service (deploy.resources.limits, pids_limit).",
	},
	Check: func(s *Service) []Hit {
		if strings.TrimSpace(s.Config.CgroupParent) == "" {
			return nil
		}
		return []Hit{{Line: s.KeyLine("cgroup_parent"), Evidence: "cgroup_parent: " + s.Config.CgroupParent}}
	},
}

var ruleSharedVolume = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-026", Name: "volume-shared-between-services", Severity: finding.Info,
		Title:       "Named volume mounted by several services",
		Aliases:     []string{"8c978947-0ff6-485c-b0c2-0bfca6026466"},
		Description: "A volume mounted writable by two services lets a compromise of one tamper with the data (and any code or configuration) the other reads. Mounts that are read-only in every service but one are not flagged.",
		Fix:         "Give each service its own volume, or mount the volume read-only (`:ro`) in every service that only reads it.",
	},
	Check: func(s *Service) []Hit {
		var out []Hit
		for i, v := range s.Config.Volumes {
			if !isNamedVolume(v) {
				continue
			}
			var others []string
			writers := 0
			for _, m := range s.mounts[v.Source] {
				if !m.readOnly {
					writers++
				}
				if m.service != s {
					others = append(others, m.service.Name)
				}
			}
			if len(others) == 0 || writers < 2 {
				continue
			}
			sort.Strings(others)
			out = append(out, Hit{Line: s.itemLine("volumes", i), Detail: "Volume " + v.Source + " is also mounted by " + listShort(others) + ".", Evidence: volumeEvidence(v)})
		}
		return out
	},
}

// volumeMount is one service's mount of a named volume.
type volumeMount struct {
	service  *Service
	readOnly bool
}

// isNamedVolume reports whether a service volume mounts a named volume
// (not a bind of a host path, not tmpfs).
func isNamedVolume(v types.ServiceVolumeConfig) bool {
	if v.Source == "" || (v.Type != types.VolumeTypeVolume && v.Type != "") {
		return false
	}
	return !strings.HasPrefix(v.Source, "/") && !strings.HasPrefix(v.Source, ".") && !strings.HasPrefix(v.Source, "~")
}

// maxRestartAttempts is how many restarts on failure are reasonable.
const maxRestartAttempts = 5

var ruleRestartRetries = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-027", Name: "restart-on-failure-unbounded", Severity: finding.Medium,
		Title:       "Restart on failure without a small retry limit",
		Aliases:     []string{"2fc99041-ddad-49d5-853f-e35e70a48391"},
		Description: "A service restarted on failure forever (or more than 5 times) hides a crash loop, and a crash that an attacker can trigger becomes a way to keep the host busy.",
		Fix:         "Bound the retries: `restart: on-failure:5`, or `deploy.restart_policy: {condition: on-failure, max_attempts: 5}`.",
	},
	Check: func(s *Service) []Hit {
		var out []Hit
		r := strings.TrimSpace(s.Config.Restart)
		if r == "on-failure" || strings.HasPrefix(r, "on-failure:") {
			_, n, has := strings.Cut(r, ":")
			k, err := strconv.Atoi(strings.TrimSpace(n))
			if !has || err != nil || k <= 0 || k > maxRestartAttempts {
				out = append(out, Hit{Line: s.KeyLine("restart"), Evidence: "restart: " + r})
			}
		}
		if d := s.Config.Deploy; d != nil && d.RestartPolicy != nil && d.RestartPolicy.Condition == "on-failure" {
			if m := d.RestartPolicy.MaxAttempts; m == nil || *m == 0 || *m > maxRestartAttempts {
				ev := "deploy.restart_policy: on-failure without max_attempts"
				if m != nil {
					ev = "deploy.restart_policy.max_attempts: " + strconv.FormatUint(*m, 10)
				}
				out = append(out, Hit{Line: s.KeyLine("deploy", "restart_policy"), Evidence: ev})
			}
		}
		return out
	},
}

var ruleNoHealthcheck = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-028", Name: "no-healthcheck", Severity: finding.Info,
		Title:       "Service without a healthcheck",
		Aliases:     []string{"698ed579-b239-4f8f-a388-baa4bcb13ef8"},
		Description: "Without a healthcheck in the compose file Docker only knows whether the process runs, unless the image defines a HEALTHCHECK (which the compose file cannot show); depends_on cannot wait for the service to be ready.",
		Fix:         "Add `healthcheck: {test: [\"CMD\", \"/probe\"], interval: 30s}` to the service.",
	},
	Check: func(s *Service) []Hit {
		if s.Config.HealthCheck != nil {
			return nil
		}
		return []Hit{{Detail: "The service defines no healthcheck."}}
	},
}

var ruleNoCapDrop = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-029", Name: "no-cap-drop", Severity: finding.Low,
		Title:       "Capabilities not dropped",
		Aliases:     []string{"ce76b7d0-9e77-464d-b86f-c5c48e03e22d"},
		Description: "Without cap_drop the container keeps Docker's default capabilities (CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID, NET_RAW, ...), which most services never use and an attacker can.",
		Fix:         "Add `cap_drop: [ALL]` and add back in cap_add only what the service needs.",
	},
	Check: func(s *Service) []Hit {
		if len(s.Config.CapDrop) > 0 || s.Config.Privileged {
			return nil
		}
		return []Hit{{Detail: "The service drops no capabilities."}}
	},
}
