package audit

import (
	"encoding/json"
	"strings"
	"testing"
)

func FuzzParseDaemonConfig(f *testing.F) {
	f.Add([]byte(`{"icc": false, "log-opts": {"max-size": "10m"}, "hosts": ["tcp://0.0.0.0:2376"]}`))
	f.Add([]byte(`{"a":1} x`))
	f.Fuzz(func(t *testing.T, b []byte) {
		vals, err := ParseDaemonConfig(b)
		if err != nil {
			return
		}
		fa := &Facts{Config: ConfigFacts{Present: true, Values: vals}}
		for _, k := range []string{"icc", "host", "log-opt", "insecure-registry", "storage-opt", "tlscacert"} {
			_ = fa.Setting(k)
		}
		_ = Run(fa, Options{})
	})
}

func FuzzParseDockerdFlags(f *testing.F) {
	f.Add("-H\x00fd://\x00--icc=false\x00--live-restore\x00-l\x00debug")
	f.Add("--\x00-=\x00---x")
	f.Fuzz(func(t *testing.T, cmdline string) {
		var args []string
		start := 0
		for i := 0; i < len(cmdline); i++ {
			if cmdline[i] == 0 {
				args = append(args, cmdline[start:i])
				start = i + 1
			}
		}
		args = append(args, cmdline[start:])
		fa := &Facts{Process: ProcessFacts{Args: args, Flags: ParseDockerdFlags(args)}}
		_ = Run(fa, Options{})
	})
}

func FuzzHostFiles(f *testing.F) {
	f.Add([]byte("docker:x:999:alice,bob\n"), []byte(mountinfo), []byte("-w /usr/bin/dockerd -k docker\n"), []byte("0::/docker/x\n"))
	f.Fuzz(func(t *testing.T, group, mounts, rules, cgroup []byte) {
		_ = ParseGroup(group, "docker")
		_, _ = MountPointOf(mounts, "/var/lib/docker")
		a := AuditRuleFacts{Rules: ParseAuditRules(rules)}
		_ = a.Covers("/usr/bin/dockerd")
		_ = containerIDInCgroup(string(cgroup))
	})
}

// FuzzFacts replays arbitrary recorded facts: Run must never panic.
func FuzzFacts(f *testing.F) {
	b, _ := json.Marshal(hardenedFacts())
	f.Add(b)
	f.Add([]byte(`{"daemon":{"info":{}},"containers":[{"HostConfig":{"PidsLimit":null}}],"images":[{"History":[]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fa Facts
		if json.Unmarshal(b, &fa) != nil {
			return
		}
		_ = Run(&fa, Options{})
	})
}

func FuzzListeningOn(f *testing.F) {
	f.Add([]byte("  sl  local_address rem_address   st\n   0: 00000000:0949 00000000:0000 0A 0\n"))
	f.Add([]byte("   0: 00000000000000000000000001000000:0949 0:0 0A\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, l := range ListeningOn(b, SwarmPort) {
			if !strings.HasSuffix(l, ":2377") {
				t.Fatalf("listener %q is not on port 2377", l)
			}
		}
	})
}
