// Package osrelease detects the operating system of a root filesystem from
// os-release and the distro-specific release files (debian_version,
// alpine-release, redhat-release, ...), the way a package matcher needs it:
// an ID such as "debian" or "rhel" and a VERSION_ID such as "12" or "9.3".
//
// Detection never touches a filesystem itself. The caller's walk keeps the
// files that Wanted accepts (each at most MaxFileSize bytes) and hands them to
// Detect through a read function, which keeps the package usable for images,
// directories and tests alike.
package osrelease

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// MaxFileSize bounds how much of one release file Detect looks at. Real
// release files are a few hundred bytes; a caller should not buffer more.
const MaxFileSize = 64 << 10

// DpkgStatusDir is the directory that Detect asks about (with this exact
// trailing-slash path) to recognise Debian-based distroless images: the read
// function answers (nil, true) when the directory holds at least one entry.
const DpkgStatusDir = "var/lib/dpkg/status.d/"

// osReleasePaths are tried in order; per os-release(5), /etc wins over /usr/lib.
var osReleasePaths = []string{"etc/os-release", "usr/lib/os-release"}

// releaseFile is a distro-specific release file and how to read it.
type releaseFile struct {
	path  string
	id    string
	parse func(id string, b []byte) *inventory.OS
}

// releaseFiles are consulted in order when os-release names no OS, or to fill
// in a VERSION_ID that os-release left out. More specific files come before
// the generic ones (centos-release before redhat-release, which several
// derivatives also ship).
var releaseFiles = []releaseFile{
	{"etc/alpine-release", "alpine", parseFirstLineVersion},
	// lsb-release before debian_version: Ubuntu ships both, and its
	// debian_version names the Debian testing it forked from.
	{"etc/lsb-release", "", parseLSBRelease},
	{"etc/debian_version", "debian", parseDebianVersion},
	{"etc/rocky-release", "rocky", parseReleaseLine},
	{"etc/almalinux-release", "almalinux", parseReleaseLine},
	{"etc/oracle-release", "ol", parseReleaseLine},
	{"etc/centos-release", "centos", parseReleaseLine},
	{"etc/fedora-release", "fedora", parseReleaseLine},
	{"etc/redhat-release", "", parseReleaseLine},
	{"etc/system-release", "", parseReleaseLine},
	{"etc/SuSE-release", "", parseSuSERelease},
	{"etc/photon-release", "photon", parsePhotonRelease},
	{"etc/gentoo-release", "gentoo", parseReleaseLine},
	{"etc/arch-release", "arch", func(id string, _ []byte) *inventory.OS { return &inventory.OS{ID: id} }},
}

var wanted = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range osReleasePaths {
		m[p] = true
	}
	for _, f := range releaseFiles {
		m[f.path] = true
	}
	return m
}()

// Wanted reports whether Detect may need the file at path (slash separated,
// relative to the root, no leading slash). It is cheap enough to call for
// every file of an image.
func Wanted(path string) bool {
	return wanted[path]
}

// Detect works out the OS from the release files that read returns. read
// answers (contents, true) for a file that exists and (nil, false) for one
// that does not; for DpkgStatusDir it answers (nil, true) when that directory
// has entries. Detect returns nil when nothing is known.
func Detect(read func(path string) ([]byte, bool)) *inventory.OS {
	var os *inventory.OS
	for _, p := range osReleasePaths {
		b, ok := read(p)
		if !ok {
			continue
		}
		if o := fromOSRelease(ParseOSRelease(b)); o != nil {
			os = o
			break
		}
	}
	if os == nil || os.VersionID == "" {
		for _, f := range releaseFiles {
			b, ok := read(f.path)
			if !ok {
				continue
			}
			if len(b) > MaxFileSize {
				b = b[:MaxFileSize]
			}
			o := f.parse(f.id, b)
			if o == nil || o.ID == "" {
				continue
			}
			if os == nil {
				os = o
				break
			}
			if os.ID == o.ID {
				// os-release named the OS but left out its version (Debian
				// testing, some minimal images): take it from the release file.
				os.VersionID = o.VersionID
				if os.Codename == "" {
					os.Codename = o.Codename
				}
				break
			}
		}
	}
	if _, ok := read(DpkgStatusDir); ok {
		if os == nil {
			os = &inventory.OS{ID: "debian"}
		}
		os.Distroless = true
	}
	return os
}

// fromOSRelease builds an OS from parsed os-release fields; nil without ID.
func fromOSRelease(kv map[string]string) *inventory.OS {
	id := strings.ToLower(strings.TrimSpace(kv["ID"]))
	if id == "" {
		return nil
	}
	return &inventory.OS{
		ID:         id,
		VersionID:  kv["VERSION_ID"],
		Codename:   kv["VERSION_CODENAME"],
		PrettyName: kv["PRETTY_NAME"],
	}
}

// ParseOSRelease parses os-release(5) (and the same shell-like KEY=VALUE
// syntax of lsb-release): one assignment per line, comments after '#', values
// optionally in double or single quotes; inside double quotes a backslash
// escapes a double quote, a backslash, a dollar sign or a backtick, and
// unquoted it escapes any character. Malformed lines are skipped. Only the first MaxFileSize bytes are read.
func ParseOSRelease(b []byte) map[string]string {
	if len(b) > MaxFileSize {
		b = b[:MaxFileSize]
	}
	kv := map[string]string{}
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		eq := bytes.IndexByte(line, '=')
		if eq <= 0 {
			continue
		}
		key := string(bytes.TrimSpace(line[:eq]))
		if strings.HasPrefix(key, "export ") {
			key = strings.TrimSpace(key[len("export "):])
		}
		if !validKey(key) {
			continue
		}
		val, ok := unquote(line[eq+1:])
		if !ok {
			continue
		}
		kv[key] = val
	}
	return kv
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// unquote reads one shell-style value: a mix of unquoted, "double" and
// 'single' quoted parts, as os-release(5) allows. It stops at unquoted
// whitespace followed by '#' (a trailing comment) and reports false for an
// unterminated quote.
func unquote(v []byte) (string, bool) {
	v = bytes.TrimSpace(v)
	var out strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '\'':
			j := bytes.IndexByte(v[i+1:], '\'')
			if j < 0 {
				return "", false
			}
			out.Write(v[i+1 : i+1+j])
			i += j + 1
		case '"':
			closed := false
			for i++; i < len(v); i++ {
				c = v[i]
				if c == '\\' && i+1 < len(v) && strings.IndexByte("\"\\$`", v[i+1]) >= 0 {
					out.WriteByte(v[i+1])
					i++
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				out.WriteByte(c)
			}
			if !closed {
				return "", false
			}
		case '\\':
			if i+1 < len(v) {
				out.WriteByte(v[i+1])
				i++
			}
		case ' ', '\t':
			// Unquoted whitespace ends the value; anything after it is a
			// comment or junk.
			return out.String(), true
		default:
			out.WriteByte(c)
		}
	}
	return out.String(), true
}

// asciiLower lower-cases ASCII letters only, keeping every byte in place
// (strings.ToLower may change the length of invalid UTF-8).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// firstLine returns the first line of b, trimmed.
func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return string(bytes.TrimSpace(b))
}

// parseFirstLineVersion reads files holding just a version ("3.18.4").
func parseFirstLineVersion(id string, b []byte) *inventory.OS {
	v := firstLine(b)
	if v == "" || strings.ContainsAny(v, " \t") {
		return nil
	}
	return &inventory.OS{ID: id, VersionID: v}
}

// debianCodenames maps the codenames that /etc/debian_version shows on
// testing and unstable ("bookworm/sid") to the release they become.
var debianCodenames = map[string]string{
	"buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2.0", "slink": "2.1",
	"potato": "2.2", "woody": "3.0", "sarge": "3.1", "etch": "4", "lenny": "5",
	"squeeze": "6", "wheezy": "7", "jessie": "8", "stretch": "9", "buster": "10",
	"bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14", "duke": "15",
}

// parseDebianVersion reads /etc/debian_version: "12.4" (stable point
// release: VERSION_ID "12", like os-release), "9.13", or "bookworm/sid"
// (testing: no VERSION_ID, the codename only).
func parseDebianVersion(id string, b []byte) *inventory.OS {
	v := firstLine(b)
	if v == "" {
		return nil
	}
	if c, _, ok := strings.Cut(v, "/"); ok {
		if _, known := debianCodenames[c]; known {
			return &inventory.OS{ID: id, Codename: c}
		}
		return nil
	}
	if v[0] < '0' || v[0] > '9' {
		return nil
	}
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil || n < 0 {
		return nil
	}
	// Before Debian 4 the minor was part of the release (3.1, 2.2).
	if n < 4 {
		if parts := strings.SplitN(v, ".", 3); len(parts) >= 2 {
			major = parts[0] + "." + parts[1]
		}
	}
	os := &inventory.OS{ID: id, VersionID: major}
	for c, rel := range debianCodenames {
		if rel == major {
			os.Codename = c
		}
	}
	return os
}

// releaseNames maps the distro names that "NAME release X (Codename)" lines
// start with to os-release IDs, most specific first.
var releaseNames = []struct{ prefix, id string }{
	{"red hat enterprise linux", "rhel"},
	{"centos stream", "centos"},
	{"centos linux", "centos"},
	{"centos", "centos"},
	{"rocky linux", "rocky"},
	{"almalinux", "almalinux"},
	{"oracle linux", "ol"},
	{"fedora", "fedora"},
	{"amazon linux ami", "amzn"},
	{"amazon linux", "amzn"},
	{"cbl-mariner", "mariner"},
	{"gentoo", "gentoo"},
	{"scientific linux", "scientific"},
}

// parseReleaseLine reads "Rocky Linux release 9.3 (Blue Onyx)" and the like.
// id is the file's own distro, or empty to take the ID from the name.
func parseReleaseLine(id string, b []byte) *inventory.OS {
	line := firstLine(b)
	if line == "" {
		return nil
	}
	lower := asciiLower(line) // same length as line, so indexes carry over
	name := lower
	if i := strings.Index(lower, " release "); i >= 0 {
		name = lower[:i]
	}
	nameID := ""
	for _, r := range releaseNames {
		if strings.HasPrefix(name, r.prefix) {
			nameID = r.id
			break
		}
	}
	if id == "" {
		id = nameID
	}
	if id == "" {
		return nil
	}
	os := &inventory.OS{ID: id, PrettyName: line}
	if i := strings.Index(lower, " release "); i >= 0 {
		rest := line[i+len(" release "):]
		ver, _, _ := strings.Cut(rest, " ")
		os.VersionID = ver
		if o := strings.IndexByte(rest, '('); o >= 0 {
			if c := strings.IndexByte(rest[o:], ')'); c > 0 {
				os.Codename = strings.TrimSpace(rest[o+1 : o+c])
			}
		}
	}
	return os
}

// parseSuSERelease reads the old /etc/SuSE-release:
//
//	SUSE Linux Enterprise Server 12 (x86_64)
//	VERSION = 12
//	PATCHLEVEL = 3
func parseSuSERelease(_ string, b []byte) *inventory.OS {
	line := firstLine(b)
	lower := strings.ToLower(line)
	id := ""
	switch {
	case strings.HasPrefix(lower, "suse linux enterprise server"):
		id = "sles"
	case strings.HasPrefix(lower, "suse linux enterprise desktop"):
		id = "sled"
	case strings.HasPrefix(lower, "opensuse"):
		id = "opensuse"
	default:
		return nil
	}
	var version, patch string
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "VERSION":
			version = strings.TrimSpace(v)
		case "PATCHLEVEL":
			patch = strings.TrimSpace(v)
		}
	}
	if version != "" && patch != "" && patch != "0" {
		version += "." + patch
	}
	return &inventory.OS{ID: id, VersionID: version, PrettyName: line}
}

// parsePhotonRelease reads "VMware Photon OS 4.0\nPHOTON_BUILD_NUMBER=...".
func parsePhotonRelease(id string, b []byte) *inventory.OS {
	line := firstLine(b)
	if !strings.HasPrefix(strings.ToLower(line), "vmware photon") {
		return nil
	}
	f := strings.Fields(line)
	return &inventory.OS{ID: id, VersionID: f[len(f)-1], PrettyName: line}
}

// parseLSBRelease reads /etc/lsb-release (DISTRIB_ID, DISTRIB_RELEASE,
// DISTRIB_CODENAME, DISTRIB_DESCRIPTION).
func parseLSBRelease(_ string, b []byte) *inventory.OS {
	kv := ParseOSRelease(b)
	id := strings.ToLower(strings.TrimSpace(kv["DISTRIB_ID"]))
	if id == "" {
		return nil
	}
	return &inventory.OS{
		ID:         id,
		VersionID:  kv["DISTRIB_RELEASE"],
		Codename:   kv["DISTRIB_CODENAME"],
		PrettyName: kv["DISTRIB_DESCRIPTION"],
	}
}
