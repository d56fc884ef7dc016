package compose

import "github.com/bulkhead-sec/bulkhead/internal/finding"

func limits(s *Service) (mem, cpu, pids bool) {
	c := &s.Config
	mem = c.MemLimit > 0
	cpu = c.CPUS > 0 || c.CPUQuota > 0
	pids = c.PidsLimit > 0
	if c.Deploy != nil && c.Deploy.Resources.Limits != nil {
		l := c.Deploy.Resources.Limits
		mem = mem || l.MemoryBytes > 0
		cpu = cpu || l.NanoCPUs > 0
		pids = pids || l.Pids > 0
	}
	return mem, cpu, pids
}

// limitLine points at deploy.resources.limits when written, else at the
// service.
func limitLine(s *Service, key string) int {
	if l := s.KeyLine(key); l != s.Line {
		return l
	}
	return s.KeyLine("deploy", "resources", "limits")
}

var ruleMemoryLimit = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-015", Name: "no-memory-limit", Severity: finding.Low,
		Title:       "No memory limit",
		Aliases:     []string{"bb9ac4f7-e13b-423d-a010-c74a1bfbe492"},
		Description: "Without a memory limit one service can take all of the host's memory, and the kernel's OOM killer then picks victims among the host's other processes.",
		Fix:         "Set `mem_limit` or `deploy.resources.limits.memory` (such as 512m).",
	},
	Check: func(s *Service) []Hit {
		if mem, _, _ := limits(s); mem {
			return nil
		}
		return []Hit{{Line: limitLine(s, "mem_limit")}}
	},
}

var ruleCPULimit = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-016", Name: "no-cpu-limit", Severity: finding.Low,
		Title:       "No CPU limit",
		Aliases:     []string{"6b610c50-99fb-4ef0-a5f3-e312fd945bc3"},
		Description: "Without a CPU limit one busy or compromised service (a crypto miner) can starve every other workload on the host.",
		Fix:         "Set `cpus` or `deploy.resources.limits.cpus` (such as \"0.5\").",
	},
	Check: func(s *Service) []Hit {
		if _, cpu, _ := limits(s); cpu {
			return nil
		}
		return []Hit{{Line: limitLine(s, "cpus")}}
	},
}

var rulePidsLimit = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-017", Name: "no-pids-limit", Severity: finding.Low,
		Title:       "No process-count limit",
		Aliases:     []string{"221e0658-cb2a-44e3-b08a-db96a341d6fa"},
		Description: "Without pids_limit a fork bomb in the container exhausts the host's process table (a pids_limit of -1 means no limit too).",
		Fix:         "Set `pids_limit` (such as 200) or `deploy.resources.limits.pids`.",
	},
	Check: func(s *Service) []Hit {
		if _, _, pids := limits(s); pids {
			return nil
		}
		return []Hit{{Line: limitLine(s, "pids_limit")}}
	},
}
