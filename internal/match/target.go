package match

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/version"
)

// languageEcosystems maps a package-url type to its OSV ecosystem.
var languageEcosystems = map[string]string{
	"golang":   "Go",
	"npm":      "npm",
	"pypi":     "PyPI",
	"maven":    "Maven",
	"gem":      "RubyGems",
	"cargo":    "crates.io",
	"composer": "Packagist",
	"nuget":    "NuGet",
	"hex":      "Hex",
	"pub":      "Pub",
}

// targetOf says where a package's advisories live, or false when there is
// no data for it.
func targetOf(osInfo *inventory.OS, p *inventory.Package) (target, bool) {
	if eco, ok := languageEcosystems[p.Type]; ok {
		cmp, _ := version.For(eco)
		v := p.Version
		if eco == "Go" && p.Name == "stdlib" {
			v = strings.TrimPrefix(v, "go")
		}
		return target{ecosystem: eco, name: p.Name, version: v, cmp: cmp}, true
	}
	if osInfo == nil {
		return target{}, false
	}
	name, ver := p.Name, p.Version
	switch p.Type {
	case "deb", "apk":
		// Debian and Alpine advisories name source packages.
		if p.SourceName != "" {
			name = p.SourceName
		}
		if p.SourceVersion != "" {
			ver = p.SourceVersion
		}
	case "rpm":
		// The Red Hat family's advisories name binary packages.
	default:
		return target{}, false
	}
	eco, release, ok := distroRelease(osInfo, p.Type)
	if !ok {
		return target{}, false
	}
	cmp, ok := version.For(eco)
	if !ok {
		return target{}, false
	}
	return target{ecosystem: eco, name: name, version: ver, release: release, cmp: cmp}, true
}

// distroRelease maps an OS to its OSV ecosystem and a test that accepts the
// advisory entries of its release.
func distroRelease(o *inventory.OS, pkgType string) (string, func(string) bool, bool) {
	id := strings.ToLower(o.ID)
	ver := strings.TrimSpace(o.VersionID)
	major, _, _ := strings.Cut(ver, ".")
	switch {
	case id == "debian" && pkgType == "deb":
		if major == "" {
			return "", nil, false
		}
		return "Debian", exactRelease("Debian", major), true
	case id == "ubuntu" && pkgType == "deb":
		if ver == "" {
			return "", nil, false
		}
		// "Ubuntu:22.04:LTS", "Ubuntu:Pro:18.04:LTS", "Ubuntu:22.04".
		return "Ubuntu", func(eco string) bool { return hasField(eco, ver) }, true
	case id == "alpine" && pkgType == "apk":
		mm := majorMinor(ver)
		if mm == "" {
			return "", nil, false
		}
		return "Alpine", exactRelease("Alpine", "v"+mm), true
	case id == "wolfi" && pkgType == "apk":
		return "Wolfi", nil, true
	case id == "chainguard" && pkgType == "apk":
		return "Chainguard", nil, true
	case id == "almalinux" && pkgType == "rpm":
		return "AlmaLinux", exactRelease("AlmaLinux", major), major != ""
	case id == "rocky" && pkgType == "rpm":
		return "Rocky Linux", exactRelease("Rocky Linux", major), major != ""
	case id == "rhel" && pkgType == "rpm":
		// "Red Hat:enterprise_linux:9::appstream", "Red Hat:rhel_aus:8.6::appstream".
		return "Red Hat", func(eco string) bool { return redHatMajor(eco) == major }, major != ""
	case (id == "sles" || id == "sled" || id == "sle-micro") && pkgType == "rpm":
		return "SUSE", suseRelease(ver), ver != ""
	case strings.HasPrefix(id, "opensuse") && pkgType == "rpm":
		if id == "opensuse-tumbleweed" {
			return "openSUSE", func(eco string) bool { return strings.Contains(eco, "Tumbleweed") }, true
		}
		return "openSUSE", func(eco string) bool { return strings.Contains(eco, ver) }, ver != ""
	}
	return "", nil, false
}

// exactRelease accepts "<base>:<release>", and entries with no release.
func exactRelease(base, release string) func(string) bool {
	want := base + ":" + release
	return func(eco string) bool { return eco == want || eco == base }
}

func hasField(eco, field string) bool {
	for _, f := range strings.Split(eco, ":") {
		if f == field {
			return true
		}
	}
	return false
}

func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 || parts[0] == "" {
		return ""
	}
	minor := parts[1]
	for i := 0; i < len(minor); i++ {
		if minor[i] < '0' || minor[i] > '9' {
			minor = minor[:i]
			break
		}
	}
	if minor == "" {
		return ""
	}
	return parts[0] + "." + minor
}

// redHatMajor finds the major release in a Red Hat ecosystem string.
func redHatMajor(eco string) string {
	fields := strings.Split(eco, ":")
	for _, f := range fields[1:] {
		if f == "" || f[0] < '0' || f[0] > '9' {
			continue
		}
		major, _, _ := strings.Cut(f, ".")
		return major
	}
	return ""
}

// suseRelease accepts "SUSE:Linux Enterprise Server 15 SP5" for VERSION_ID
// "15.5" (and "... 15" for "15").
func suseRelease(ver string) func(string) bool {
	major, minor, _ := strings.Cut(ver, ".")
	return func(eco string) bool {
		words := strings.Fields(strings.ReplaceAll(eco, ":", " "))
		hasMajor, sp := false, ""
		for _, w := range words {
			if w == major {
				hasMajor = true
			}
			if strings.HasPrefix(w, "SP") {
				sp = strings.TrimPrefix(w, "SP")
			}
		}
		if !hasMajor {
			return false
		}
		if minor == "" || minor == "0" {
			return sp == ""
		}
		return sp == minor
	}
}
