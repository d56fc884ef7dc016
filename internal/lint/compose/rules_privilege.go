package compose

import (
	"sort"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

var rulePrivileged = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-001", Name: "privileged", Severity: finding.High,
		Title:       "Service runs privileged",
		Aliases:     []string{"ae5b6871-7f45-42e0-bb4c-ab300c4d2026"},
		Description: "A privileged container gets every capability, every host device and no seccomp, AppArmor or SELinux confinement: a process in it can take over the host.",
		Fix:         "Remove `privileged: true`; add only the capabilities and devices the service needs.",
	},
	Check: func(s *Service) []Hit {
		if !s.Config.Privileged {
			return nil
		}
		return []Hit{{Line: s.KeyLine("privileged"), Evidence: "privileged: true"}}
	},
}

// dangerousCaps are capabilities that break container isolation or give
// control over the host.
var dangerousCaps = map[string]string{
	"ALL":             "every capability",
	"SYS_ADMIN":       "mount, namespaces, most of root's powers",
	"NET_ADMIN":       "host-side network configuration of its namespace, sniffing and spoofing",
	"SYS_PTRACE":      "tracing and reading the memory of other processes",
	"SYS_MODULE":      "loading kernel modules",
	"DAC_READ_SEARCH": "reading any file by handle (the shocker escape)",
	"SYS_RAWIO":       "raw I/O ports and memory",
	"BPF":             "loading BPF programs",
}

var ruleCapAdd = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-002", Name: "dangerous-capability", Severity: finding.High,
		Title:       "Dangerous capability added",
		Aliases:     []string{"ce76b7d0-9e77-464d-b86f-c5c48e03e22d"},
		Description: "cap_add grants ALL, SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, DAC_READ_SEARCH, SYS_RAWIO or BPF: each is enough to escape the container or control the host.",
		Fix:         "Drop the capability from cap_add (use `cap_drop: [ALL]` and add back only harmless ones such as NET_BIND_SERVICE).",
	},
	Check: func(s *Service) []Hit {
		var found []string
		for _, c := range s.Config.CapAdd {
			n := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
			if _, ok := dangerousCaps[n]; ok {
				found = append(found, n)
			}
		}
		if len(found) == 0 {
			return nil
		}
		sort.Strings(found)
		var why []string
		for _, c := range found {
			why = append(why, c+" ("+dangerousCaps[c]+")")
		}
		return []Hit{{Line: s.KeyLine("cap_add"), Detail: "cap_add grants " + listShort(why) + ".", Evidence: "cap_add: " + listShort(found)}}
	},
}

// unconfinedOpt reports whether a security_opt entry turns a protection off.
func unconfinedOpt(o string) bool {
	o = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(o), " ", ""))
	o = strings.Replace(o, "=", ":", 1)
	switch o {
	case "seccomp:unconfined", "apparmor:unconfined", "label:disable", "systempaths:unconfined":
		return true
	}
	return false
}

var ruleUnconfined = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-009", Name: "security-profile-disabled", Severity: finding.High,
		Title:       "Seccomp, AppArmor or SELinux confinement disabled",
		Aliases:     []string{"404fde2c-bc4b-4371-9747-7054132ac953"},
		Description: "security_opt turns off a kernel confinement (seccomp:unconfined, apparmor:unconfined, label:disable or systempaths=unconfined) that stops most container escapes.",
		Fix:         "Remove the option; if a syscall is missing, ship a custom seccomp profile that allows just it.",
	},
	Check: func(s *Service) []Hit {
		var out []Hit
		for i, o := range s.Config.SecurityOpt {
			if unconfinedOpt(o) {
				out = append(out, Hit{Line: s.itemLine("security_opt", i), Evidence: "security_opt: " + o})
			}
		}
		return out
	},
}

var ruleNoNewPrivileges = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-010", Name: "no-new-privileges-missing", Severity: finding.Medium,
		Title:       "no-new-privileges not set",
		Aliases:     []string{"27fcc7d6-c49b-46e0-98f1-6c082a6a2750", "610e266e-6c12-4bca-9925-1ed0cd29742b"},
		Description: "Without no-new-privileges a process in the container can gain privileges through setuid or setgid binaries and file capabilities.",
		Fix:         "Add `security_opt: [\"no-new-privileges:true\"]` to the service.",
	},
	Check: func(s *Service) []Hit {
		for _, o := range s.Config.SecurityOpt {
			o = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(o), "=", ":"))
			if o == "no-new-privileges" || o == "no-new-privileges:true" {
				return nil
			}
		}
		return []Hit{{Line: s.KeyLine("security_opt")}}
	},
}

var ruleReadOnly = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-011", Name: "root-filesystem-writable", Severity: finding.Low,
		Title:       "Root filesystem is writable",
		Description: "A writable root filesystem lets an intruder change binaries and drop tools; a read-only one with volumes or tmpfs for the paths that must be written limits that.",
		Fix:         "Set `read_only: true` and give writable paths their own volume or tmpfs.",
	},
	Check: func(s *Service) []Hit {
		if s.Config.ReadOnly {
			return nil
		}
		return []Hit{{Line: s.KeyLine("read_only")}}
	},
}

var ruleDevices = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-022", Name: "host-device", Severity: finding.Medium,
		Title:       "Host device mapped into the container",
		Description: "A host device node gives the container direct access to hardware or kernel interfaces (disks, memory, GPUs, /dev/fuse), which bypasses the filesystem's and the kernel's usual checks.",
		Fix:         "Remove the device, or map only the one the service needs with the least permissions (such as `r`).",
	},
	Check: func(s *Service) []Hit {
		var out []Hit
		for i, d := range s.Config.Devices {
			ev := d.Source
			if d.Target != "" && d.Target != d.Source {
				ev += ":" + d.Target
			}
			if d.Permissions != "" {
				ev += ":" + d.Permissions
			}
			out = append(out, Hit{Line: s.itemLine("devices", i), Evidence: "devices: " + ev})
		}
		return out
	},
}

var ruleSysctlKernel = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-023", Name: "kernel-sysctl", Severity: finding.Medium,
		Title:       "kernel.* sysctl set",
		Description: "kernel.* sysctls tune the kernel itself; the few that are namespaced (kernel.shm*, kernel.msg*, kernel.sem) still change IPC limits, and the rest apply to the whole host when the container may set them.",
		Fix:         "Remove the kernel.* sysctl, or set it on the host where its effect is deliberate and reviewed.",
	},
	Check: func(s *Service) []Hit {
		var keys []string
		for k := range s.Config.Sysctls {
			if strings.HasPrefix(strings.ToLower(k), "kernel.") {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var out []Hit
		for _, k := range keys {
			out = append(out, Hit{Line: s.mapKeyLine("sysctls", k), Evidence: "sysctls: " + k + "=" + s.Config.Sysctls[k]})
		}
		return out
	},
}
