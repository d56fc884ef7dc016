package audit

import (
	"fmt"
	"sort"
	"strings"
)

// boolFlags are dockerd flags that take no separate value argument.
var boolFlags = map[string]bool{
	"icc": true, "iptables": true, "ip6tables": true, "ip-forward": true, "ip-masq": true,
	"live-restore": true, "userland-proxy": true, "no-new-privileges": true, "tls": true,
	"tlsverify": true, "debug": true, "experimental": true, "selinux-enabled": true,
	"raw-logs": true, "init": true, "disable-legacy-registry": true, "rootless": true,
	"validate": true, "version": true, "help": true, "ipv6": true,
}

// shortFlags maps dockerd's one-letter flags to their long names.
var shortFlags = map[string]string{
	"H": "host", "l": "log-level", "D": "debug", "G": "group", "p": "pidfile",
	"g": "graph", "b": "bridge", "s": "storage-driver", "v": "version", "h": "help",
}

// ParseDockerdFlags reads dockerd's arguments (without argv[0]) into long
// flag names and their values. A boolean flag given bare reads "true";
// "--icc=false" reads "false". Arguments that are not flags are ignored.
func ParseDockerdFlags(args []string) map[string][]string {
	out := map[string][]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var name, val string
		hasVal := false
		switch {
		case strings.HasPrefix(a, "--"):
			name = a[2:]
		case strings.HasPrefix(a, "-") && len(a) > 1:
			name = a[1:]
			short := name
			if j := strings.IndexByte(short, '='); j >= 0 {
				short = short[:j]
			}
			if long, ok := shortFlags[short]; ok {
				name = long + name[len(short):]
			}
		default:
			continue
		}
		if name == "" {
			break // "--" ends the flags
		}
		if j := strings.IndexByte(name, '='); j >= 0 {
			name, val, hasVal = name[:j], name[j+1:], true
		}
		if !hasVal {
			if boolFlags[name] {
				val = "true"
			} else if i+1 < len(args) {
				i++
				val = args[i]
			}
		}
		out[name] = append(out[name], val)
	}
	return out
}

// flagToKey maps a dockerd flag name to its daemon.json key where they
// differ.
var flagToKey = map[string]string{
	"host": "hosts", "insecure-registry": "insecure-registries", "storage-opt": "storage-opts",
	"authorization-plugin": "authorization-plugins", "default-ulimit": "default-ulimits",
	"log-opt": "log-opts", "graph": "data-root", "label": "labels", "dns": "dns",
	"registry-mirror": "registry-mirrors",
}

// Setting is a daemon setting with where it came from.
type Setting struct {
	// Values are the setting's values as strings; a map in daemon.json
	// gives "key=value" entries in key order.
	Values []string
	// Source is "flag --NAME" or "daemon.json NAME"; empty when unset.
	Source string
}

// Set says whether the setting was given anywhere.
func (s Setting) Set() bool { return s.Source != "" }

// Last returns the last value, or "".
func (s Setting) Last() string {
	if len(s.Values) == 0 {
		return ""
	}
	return s.Values[len(s.Values)-1]
}

// Setting returns a daemon setting by its flag name, looking at the dockerd
// command line first and then daemon.json.
func (f *Facts) Setting(flag string) Setting {
	if v, ok := f.Process.Flags[flag]; ok {
		return Setting{Values: v, Source: "flag --" + flag}
	}
	key := flag
	if k, ok := flagToKey[flag]; ok {
		key = k
	}
	if v, ok := f.Config.Values[key]; ok {
		return Setting{Values: jsonStrings(v), Source: "daemon.json " + key}
	}
	return Setting{}
}

// daemonSettingsKnown says whether both sources of daemon settings could be
// read (a missing daemon.json counts as read), and if not, why.
func (f *Facts) daemonSettingsKnown() (bool, string) {
	if f.Process.Error != "" && f.Process.Args == nil {
		return false, "dockerd command line unavailable: " + f.Process.Error
	}
	if f.Config.Error != "" {
		return false, "daemon configuration unreadable: " + f.Config.Error
	}
	return true, ""
}

func jsonStrings(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, jsonScalar(e))
		}
		return out
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			out = append(out, k+"="+jsonScalar(x[k]))
		}
		return out
	default:
		return []string{jsonScalar(x)}
	}
}

func jsonScalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%f", x), "0"), ".")
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}
