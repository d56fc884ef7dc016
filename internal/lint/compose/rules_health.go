package compose

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

func healthDisabled(s *Service) bool {
	h := s.Config.HealthCheck
	return h != nil && (h.Disable || (len(h.Test) > 0 && strings.EqualFold(h.Test[0], "NONE")))
}

var ruleRestart = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-020", Name: "restart-policy", Severity: finding.Info,
		Title:       "Restart policy missing, or always without a healthcheck",
		Description: "Without a restart policy a crashed service stays down; with restart: always and no healthcheck a hung service is never noticed, and a crash-looping one restarts forever.",
		Fix:         "Set `restart: on-failure:5` or `unless-stopped`, and give the service a healthcheck.",
	},
	Check: func(s *Service) []Hit {
		c := &s.Config
		r := strings.TrimSpace(c.Restart)
		if r == "" && (c.Deploy == nil || c.Deploy.RestartPolicy == nil) {
			return []Hit{{Detail: "No restart policy is set."}}
		}
		if r == "always" && (c.HealthCheck == nil || healthDisabled(s)) {
			return []Hit{{Line: s.KeyLine("restart"), Detail: "restart: always is set but the service has no healthcheck.", Evidence: "restart: always"}}
		}
		return nil
	},
}

var ruleHealthcheckDisabled = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-021", Name: "healthcheck-disabled", Severity: finding.Low,
		Title:       "Healthcheck disabled",
		Aliases:     []string{"698ed579-b239-4f8f-a388-baa4bcb13ef8"},
		Description: "The service turns off the image's HEALTHCHECK, so Docker cannot tell a hung service from a healthy one and depends_on conditions cannot wait for it.",
		Fix:         "Remove `healthcheck: {disable: true}` (or test NONE) and define a test that checks the service.",
	},
	Check: func(s *Service) []Hit {
		if !healthDisabled(s) {
			return nil
		}
		return []Hit{{Line: s.KeyLine("healthcheck"), Evidence: "healthcheck disabled"}}
	},
}
