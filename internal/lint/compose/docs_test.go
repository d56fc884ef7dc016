package compose

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// kicsNames maps the KICS query ids used as aliases to their query names.
var kicsNames = map[string]string{
	"4d9f44c6-2f4a-4317-9bb5-267adbea0232": "cgroup_not_default",
	"610e266e-6c12-4bca-9925-1ed0cd29742b": "security_opt_not_set",
	"8c978947-0ff6-485c-b0c2-0bfca6026466": "shared_volumes_between_containers",
	"2fc99041-ddad-49d5-853f-e35e70a48391": "restart_policy_on_failure_not_set_to_5",
	"ae5b6871-7f45-42e0-bb4c-ab300c4d2026": "privileged_containers_enabled",
	"ce76b7d0-9e77-464d-b86f-c5c48e03e22d": "container_capabilities_unrestricted",
	"d6355c88-1e8d-49e9-b2f2-f8a1ca12c75b": "docker_socket_mounted_in_container",
	"1c1325ff-831d-43a1-973e-839ae57dfcc0": "volume_has_sensitive_host_directory",
	"071a71ff-f868-47a4-ac0b-3c59e4ab5443": "shared_host_network_namespace",
	"4f31dd9f-2cc3-4751-9b53-67e4af83dac0": "host_namespace_is_shared",
	"baa3890f-bed7-46f5-ab8f-1da8fc91c729": "shared_host_ipc_namespace",
	"8af7162d-6c98-482f-868e-0d33fb675ca8": "shared_host_user_namespace",
	"404fde2c-bc4b-4371-9747-7054132ac953": "default_seccomp_profile_disabled",
	"27fcc7d6-c49b-46e0-98f1-6c082a6a2750": "no_new_privileges_not_set",
	"451d79dc-0588-476a-ad03-3c7f0320abb3": "container_traffic_not_bound_to_host_interface",
	"bc2908f3-f73c-40a9-8793-c1b7d5544f79": "privileged_ports_mapped_in_container",
	"bb9ac4f7-e13b-423d-a010-c74a1bfbe492": "memory_not_limited",
	"6b610c50-99fb-4ef0-a5f3-e312fd945bc3": "cpus_not_limited",
	"221e0658-cb2a-44e3-b08a-db96a341d6fa": "pids_limit_not_set",
	"698ed579-b239-4f8f-a388-baa4bcb13ef8": "healthcheck_not_set",
	"baa452f0-1f21-4a25-ace5-844e7a5f410d": "volume_mounted_in_multiple_containers",
}

func rulePage(m RuleMeta) (string, error) {
	bad, err := os.ReadFile(filepath.Join("testdata", m.ID, "bad.yaml"))
	if err != nil {
		return "", err
	}
	good, err := os.ReadFile(filepath.Join("testdata", m.ID, "good.yaml"))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n\n", m.ID, m.Title)
	fmt.Fprintf(&b, "| | |\n|---|---|\n| Name | `%s` |\n| Severity | %s |\n", m.Name, m.Severity)
	var aka []string
	for _, a := range m.Aliases {
		n, ok := kicsNames[a]
		if !ok {
			return "", fmt.Errorf("%s: alias %s has no KICS name in kicsNames", m.ID, a)
		}
		aka = append(aka, fmt.Sprintf("KICS `%s` (%s)", n, a))
	}
	if len(aka) == 0 {
		aka = []string{"none"}
	}
	fmt.Fprintf(&b, "| Also known as | %s |\n\n", strings.Join(aka, ", "))
	fmt.Fprintf(&b, "## What it flags\n\n%s.\n\n", m.Title)
	fmt.Fprintf(&b, "## Why it matters\n\n%s\n\n", m.Description)
	fmt.Fprintf(&b, "## How to fix\n\n%s\n\n", m.Fix)
	fmt.Fprintf(&b, "## Bad\n\n```yaml\n%s```\n\n", bad)
	fmt.Fprintf(&b, "## Good\n\n```yaml\n%s```\n\n", good)
	fmt.Fprintf(&b, "## Suppressing\n\nPass the id (or the KICS query id) in `compose.Options.Disabled`.\n")
	return b.String(), nil
}

func indexPage(rules []RuleMeta) string {
	var b strings.Builder
	b.WriteString("# Compose rules\n\n")
	b.WriteString("bulkhead's compose linter (`internal/lint/compose`) checks every service of a Docker Compose file\n")
	b.WriteString("for settings that weaken isolation or expose the host. The file is loaded on its own: include,\n")
	b.WriteString("extends and env files are not followed, and variables take their defaults (or stay as written when\n")
	b.WriteString("a required one is missing). Aliases are the KICS query ids of the same checks.\n\n")
	b.WriteString("`bulkhead lint` recognises a compose file by its content (a YAML mapping with `services`), whatever\n")
	b.WriteString("its name. Port ranges are read from the file and counted, never expanded (`1-65535` is one entry\n")
	b.WriteString("covering 65,535 ports); privileged ports are judged on the container port and on the host port.\n")
	b.WriteString("A service with an empty body is linted as a service with no settings. Suppress a rule for a run\n")
	b.WriteString("with `--ignore ID` (ids or KICS query ids).\n\n")
	b.WriteString("| ID | Severity | Title | Also known as |\n|---|---|---|---|\n")
	for _, m := range rules {
		var aka []string
		for _, a := range m.Aliases {
			aka = append(aka, "KICS "+kicsNames[a])
		}
		fmt.Fprintf(&b, "| [%s](%s.md) | %s | %s | %s |\n", m.ID, m.ID, m.Severity, strings.ReplaceAll(m.Title, "|", "\\|"), strings.Join(aka, ", "))
	}
	return b.String()
}

// TestDocs keeps docs/rules/compose in step with the rules: one page per
// rule plus an index. Run with -update to regenerate.
func TestDocs(t *testing.T) {
	root := testenv.RepoRoot(t)
	dir := filepath.Join(root, "docs", "rules", "compose")
	files := map[string]string{"README.md": indexPage(Rules())}
	for _, m := range Rules() {
		page, err := rulePage(m)
		if err != nil {
			t.Fatal(err)
		}
		files[m.ID+".md"] = page
	}
	testenv.GoldenDir(t, dir, files, *update)
}
