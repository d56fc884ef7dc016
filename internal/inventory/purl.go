package inventory

import (
	"strings"

	"github.com/package-url/packageurl-go"
)

// Finalize fills in the package URL of every package that has none, from its
// type, name, version and the target's OS (which may be nil). Distro
// packages get the distro's namespace and "arch", "distro" and "upstream"
// (source package) qualifiers; rpm packages carry their epoch as a
// qualifier. Packages of an unknown type get a purl of that type with no
// namespace; packages without a name, or whose type is not a valid purl
// type, are left without one.
func Finalize(pkgs []Package, os *OS) {
	for i := range pkgs {
		if pkgs[i].PURL == "" {
			pkgs[i].PURL = PURL(&pkgs[i], os)
		}
	}
}

// PURL returns the package URL of p in the target whose OS is os (nil when
// unknown), or "" when none can be made.
func PURL(p *Package, os *OS) string {
	if p.Name == "" || !validPURLType(p.Type) {
		return ""
	}
	u := packageurl.PackageURL{Type: p.Type, Name: p.Name, Version: p.Version}
	switch p.Type {
	case packageurl.TypeDebian:
		u.Namespace = distroNamespace(os, "debian", nil)
		u.Name = strings.ToLower(p.Name)
		u.Qualifiers = distroQualifiers(p, os)
	case packageurl.TypeApk:
		u.Namespace = distroNamespace(os, "alpine", nil)
		u.Name = strings.ToLower(p.Name)
		u.Qualifiers = distroQualifiers(p, os)
	case packageurl.TypeRPM:
		u.Namespace = distroNamespace(os, "", rpmNamespaces)
		epoch, version := splitEpoch(p.Version)
		u.Version = version
		u.Qualifiers = distroQualifiers(p, os)
		if epoch != "" && epoch != "0" {
			u.Qualifiers = append(u.Qualifiers, packageurl.Qualifier{Key: "epoch", Value: epoch})
		}
	case packageurl.TypeGolang:
		// The module path's last element is the name; the host and the
		// rest are the namespace ("github.com/foo" / "bar").
		u.Namespace, u.Name = splitLast(p.Name, "/")
	case packageurl.TypeNPM:
		// "@scope/name": the scope, with its "@", is the namespace.
		name := strings.ToLower(p.Name)
		if strings.HasPrefix(name, "@") {
			u.Namespace, u.Name = splitLast(name, "/")
		} else {
			u.Name = name
		}
	case packageurl.TypePyPi:
		u.Name = pep503(p.Name)
	case packageurl.TypeMaven:
		group, artifact, ok := strings.Cut(p.Name, ":")
		if ok {
			u.Namespace, u.Name = group, artifact
		}
	case packageurl.TypeComposer:
		u.Namespace, u.Name = splitLast(strings.ToLower(p.Name), "/")
	case packageurl.TypeGem, packageurl.TypeCargo, packageurl.TypeNuget:
		// Name as written, no namespace.
	}
	if u.Name == "" {
		return ""
	}
	if len(u.Qualifiers) > 0 {
		// Canonical order, and empty values dropped.
		if err := u.Qualifiers.Normalize(); err != nil {
			u.Qualifiers = nil
		}
	}
	return u.ToString()
}

// rpmNamespaces maps os-release IDs to the vendor namespace that rpm purls
// use; IDs not listed are used as they are.
var rpmNamespaces = map[string]string{
	"rhel":                "redhat",
	"centos":              "centos",
	"rocky":               "rocky",
	"almalinux":           "almalinux",
	"fedora":              "fedora",
	"amzn":                "amazon",
	"ol":                  "oracle",
	"opensuse":            "opensuse",
	"opensuse-leap":       "opensuse",
	"opensuse-tumbleweed": "opensuse",
	"sles":                "suse",
	"sled":                "suse",
	"sle-micro":           "suse",
	"photon":              "photon",
	"mariner":             "mariner",
	"azurelinux":          "azurelinux",
}

// distroNamespace is the purl namespace for a distro package: the OS ID
// (mapped through names when given), or def when the OS is unknown.
func distroNamespace(os *OS, def string, names map[string]string) string {
	if os == nil || os.ID == "" {
		return def
	}
	id := strings.ToLower(os.ID)
	if n, ok := names[id]; ok {
		return n
	}
	return id
}

// distroQualifiers gives arch, distro ("debian-12", or "debian-trixie" when
// the release has no number yet) and upstream (the source package when its
// name differs, with "@version" when its version differs from the binary's,
// epoch aside).
func distroQualifiers(p *Package, os *OS) packageurl.Qualifiers {
	var q packageurl.Qualifiers
	if p.Arch != "" {
		q = append(q, packageurl.Qualifier{Key: "arch", Value: p.Arch})
	}
	if os != nil && os.ID != "" {
		rel := os.VersionID
		if rel == "" {
			rel = os.Codename
		}
		if rel != "" {
			q = append(q, packageurl.Qualifier{Key: "distro", Value: strings.ToLower(os.ID) + "-" + rel})
		}
	}
	src := p.SourceName
	if src == "" {
		src = p.Name
	}
	_, bare := splitEpoch(p.Version)
	otherVersion := p.SourceVersion != "" && p.SourceVersion != p.Version && p.SourceVersion != bare
	if src != p.Name || otherVersion {
		if otherVersion {
			src += "@" + p.SourceVersion
		}
		q = append(q, packageurl.Qualifier{Key: "upstream", Value: src})
	}
	return q
}

// splitEpoch splits "1:2.3-4" into "1" and "2.3-4"; a version without a
// numeric epoch comes back whole.
func splitEpoch(v string) (epoch, rest string) {
	e, r, ok := strings.Cut(v, ":")
	if !ok || e == "" {
		return "", v
	}
	for i := 0; i < len(e); i++ {
		if e[i] < '0' || e[i] > '9' {
			return "", v
		}
	}
	return e, r
}

// splitLast splits s at its last sep: ("a/b/c", "/") is ("a/b", "c").
func splitLast(s, sep string) (string, string) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", s
	}
	return s[:i], s[i+len(sep):]
}

// pep503 normalises a Python project name: lower case, every run of "-",
// "_" and "." made one "-".
func pep503(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
		}
		sep = false
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}

// validPURLType reports whether t is a syntactically valid purl type.
func validPURLType(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z', c == '.', c == '+', c == '-':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
