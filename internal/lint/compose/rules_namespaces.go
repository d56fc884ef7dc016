package compose

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

func hostNamespace(key string, get func(*Service) string) func(*Service) []Hit {
	return func(s *Service) []Hit {
		if !strings.EqualFold(strings.TrimSpace(get(s)), "host") {
			return nil
		}
		return []Hit{{Line: s.KeyLine(key), Evidence: key + ": host"}}
	}
}

var ruleHostNetwork = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-005", Name: "host-network", Severity: finding.Medium,
		Title:       "Service shares the host's network namespace",
		Aliases:     []string{"071a71ff-f868-47a4-ac0b-3c59e4ab5443"},
		Description: "With network_mode: host the container sees every host interface, can bind any host port and reach services listening on localhost, and no port publishing or network isolation applies.",
		Fix:         "Remove `network_mode: host`; publish the ports the service needs on a user-defined network.",
	},
	Check: func(s *Service) []Hit {
		if h := hostNamespace("network_mode", func(s *Service) string { return s.Config.NetworkMode })(s); h != nil {
			return h
		}
		return hostNamespace("net", func(s *Service) string { return s.Config.Net })(s)
	},
}

var ruleHostPID = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-006", Name: "host-pid", Severity: finding.High,
		Title:       "Service shares the host's PID namespace",
		Aliases:     []string{"4f31dd9f-2cc3-4751-9b53-67e4af83dac0"},
		Description: "With pid: host the container sees every host process, their command lines and environments, and can signal them (or trace them with SYS_PTRACE).",
		Fix:         "Remove `pid: host`.",
	},
	Check: hostNamespace("pid", func(s *Service) string { return s.Config.Pid }),
}

var ruleHostIPC = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-007", Name: "host-ipc", Severity: finding.Medium,
		Title:       "Service shares the host's IPC namespace",
		Aliases:     []string{"baa3890f-bed7-46f5-ab8f-1da8fc91c729"},
		Description: "With ipc: host the container can read and write the host's shared memory segments, semaphores and message queues.",
		Fix:         "Remove `ipc: host` (use `ipc: shareable` and `service:NAME` to share IPC between two services).",
	},
	Check: hostNamespace("ipc", func(s *Service) string { return s.Config.Ipc }),
}

var ruleHostUserns = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-008", Name: "host-userns", Severity: finding.Medium,
		Title:       "User namespace remapping disabled",
		Aliases:     []string{"8af7162d-6c98-482f-868e-0d33fb675ca8"},
		Description: "userns_mode: host turns off the daemon's user-namespace remapping for this service, so root in the container is root on the host.",
		Fix:         "Remove `userns_mode: host`.",
	},
	Check: hostNamespace("userns_mode", func(s *Service) string { return s.Config.UserNSMode }),
}
