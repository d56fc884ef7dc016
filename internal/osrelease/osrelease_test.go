package osrelease

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/testenv"
)

// readDir serves testdata/<dir> as a root: "etc_os-release" is etc/os-release,
// "usr_lib_os-release" is usr/lib/os-release, and a file named "status.d"
// stands for a non-empty var/lib/dpkg/status.d/.
func readDir(t *testing.T, dir string) func(string) ([]byte, bool) {
	t.Helper()
	files := map[string][]byte{}
	entries, err := os.ReadDir(filepath.Join("testdata", dir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		name := e.Name()
		switch {
		case name == "status.d":
			files[DpkgStatusDir] = nil
			continue
		case strings.HasPrefix(name, "usr_lib_"):
			name = "usr/lib/" + strings.TrimPrefix(name, "usr_lib_")
		case strings.HasPrefix(name, "etc_"):
			name = "etc/" + strings.TrimPrefix(name, "etc_")
		default:
			t.Fatalf("testdata/%s/%s: unknown file naming", dir, name)
		}
		if !Wanted(name) {
			t.Fatalf("Wanted(%q) = false, but Detect reads it", name)
		}
		files[name] = b
	}
	return func(p string) ([]byte, bool) {
		b, ok := files[p]
		return b, ok
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		dir  string
		want *inventory.OS
	}{
		{"debian11", &inventory.OS{ID: "debian", VersionID: "11", Codename: "bullseye", PrettyName: "Debian GNU/Linux 11 (bullseye)"}},
		{"debian12", &inventory.OS{ID: "debian", VersionID: "12", Codename: "bookworm", PrettyName: "Debian GNU/Linux 12 (bookworm)"}},
		{"debian-testing", &inventory.OS{ID: "debian", Codename: "trixie", PrettyName: "Debian GNU/Linux trixie/sid"}},
		{"debian-versiononly", &inventory.OS{ID: "debian", VersionID: "12", Codename: "bookworm"}},
		{"debian-sid-only", &inventory.OS{ID: "debian", Codename: "bookworm"}},
		{"ubuntu2204", &inventory.OS{ID: "ubuntu", VersionID: "22.04", Codename: "jammy", PrettyName: "Ubuntu 22.04.3 LTS"}},
		{"ubuntu-lsbonly", &inventory.OS{ID: "ubuntu", VersionID: "22.04", Codename: "jammy", PrettyName: "Ubuntu 22.04.3 LTS"}},
		{"alpine318", &inventory.OS{ID: "alpine", VersionID: "3.18.4", PrettyName: "Alpine Linux v3.18"}},
		{"ubi9", &inventory.OS{ID: "rhel", VersionID: "9.3", PrettyName: "Red Hat Enterprise Linux 9.3 (Plow)"}},
		{"rocky9", &inventory.OS{ID: "rocky", VersionID: "9.3", PrettyName: "Rocky Linux 9.3 (Blue Onyx)"}},
		{"alma9", &inventory.OS{ID: "almalinux", VersionID: "9.3", PrettyName: "AlmaLinux 9.3 (Shamrock Pampas Cat)"}},
		{"al2023", &inventory.OS{ID: "amzn", VersionID: "2023", PrettyName: "Amazon Linux 2023"}},
		{"al2", &inventory.OS{ID: "amzn", VersionID: "2", Codename: "Karoo", PrettyName: "Amazon Linux release 2 (Karoo)"}},
		{"wolfi", &inventory.OS{ID: "wolfi", VersionID: "20230201", PrettyName: "Wolfi"}},
		{"chainguard", &inventory.OS{ID: "chainguard", VersionID: "20230214", PrettyName: "Chainguard"}},
		{"distroless", &inventory.OS{ID: "debian", VersionID: "12", PrettyName: "Distroless", Distroless: true}},
		{"distroless-noosrelease", &inventory.OS{ID: "debian", Distroless: true}},
		{"centos7-noosrelease", &inventory.OS{ID: "centos", VersionID: "7.9.2009", Codename: "Core", PrettyName: "CentOS Linux release 7.9.2009 (Core)"}},
		{"fedora39", &inventory.OS{ID: "fedora", VersionID: "39", Codename: "Thirty Nine", PrettyName: "Fedora release 39 (Thirty Nine)"}},
		{"photon4", &inventory.OS{ID: "photon", VersionID: "4.0", PrettyName: "VMware Photon OS 4.0"}},
		{"sles12", &inventory.OS{ID: "sles", VersionID: "12.3", PrettyName: "SUSE Linux Enterprise Server 12 (x86_64)"}},
		{"arch", &inventory.OS{ID: "arch"}},
		{"empty", nil},
		{"usrlib-only", &inventory.OS{ID: "weird", VersionID: "1.0", Codename: "ab cd", PrettyName: "Weird \"Linux\" $1 `x` \\ done"}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got := Detect(readDir(t, tt.dir))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Detect(%s) mismatch (-want +got):\n%s", tt.dir, diff)
			}
		})
	}
}

func TestDetectNothing(t *testing.T) {
	if got := Detect(func(string) ([]byte, bool) { return nil, false }); got != nil {
		t.Errorf("Detect(no files) = %+v, want nil", got)
	}
}

func TestParseOSRelease(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"plain", "ID=debian\nVERSION_ID=12\n", map[string]string{"ID": "debian", "VERSION_ID": "12"}},
		{"double quotes and escapes", `A="x \"y\" \\ \$ \` + "`" + `"`, map[string]string{"A": "x \"y\" \\ $ `"}},
		{"unknown escape kept", `A="a\nb"`, map[string]string{"A": `a\nb`}},
		{"single quotes are literal", `A='x \" y'`, map[string]string{"A": `x \" y`}},
		{"mixed quoting", `A=ab"c d"'e'`, map[string]string{"A": "abc de"}},
		{"unquoted escape", `A=a\ b`, map[string]string{"A": "a b"}},
		{"unterminated quote skipped", "A=\"abc\nB=ok", map[string]string{"B": "ok"}},
		{"comments and blanks", "# c\n\n  ID=x # trailing\n", map[string]string{"ID": "x"}},
		{"bad keys", "=x\n1A=y\nA-B=z\nexport C=1\n", map[string]string{"C": "1"}},
		{"crlf", "ID=alpine\r\nVERSION_ID=\"3.19.0\"\r\n", map[string]string{"ID": "alpine", "VERSION_ID": "3.19.0"}},
		{"empty value", "VERSION_ID=\n", map[string]string{"VERSION_ID": ""}},
		{"later wins", "ID=a\nID=b\n", map[string]string{"ID": "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseOSRelease([]byte(tt.in))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseOSRelease(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseOSReleaseBounded(t *testing.T) {
	b := []byte(strings.Repeat("X=1\n", MaxFileSize) + "ID=late\n")
	if got := ParseOSRelease(b); got["ID"] != "" {
		t.Errorf("ParseOSRelease read past MaxFileSize: ID=%q", got["ID"])
	}
}

func TestWanted(t *testing.T) {
	tests := map[string]bool{
		"etc/os-release":        true,
		"usr/lib/os-release":    true,
		"etc/debian_version":    true,
		"etc/alpine-release":    true,
		"etc/redhat-release":    true,
		"etc/almalinux-release": true,
		"etc/SuSE-release":      true,
		"etc/arch-release":      true,
		"etc/lsb-release":       true,
		"/etc/os-release":       false,
		"etc/os-release.bak":    false,
		"etc/passwd":            false,
		"var/lib/dpkg/status":   false,
		"":                      false,
	}
	got := map[string]bool{}
	for p := range tests {
		got[p] = Wanted(p)
	}
	if diff := cmp.Diff(tests, got); diff != "" {
		t.Errorf("Wanted mismatch (-want +got):\n%s", diff)
	}
}

func TestDebianVersion(t *testing.T) {
	tests := []struct {
		in   string
		want *inventory.OS
	}{
		{"12.4\n", &inventory.OS{ID: "debian", VersionID: "12", Codename: "bookworm"}},
		{"10.13", &inventory.OS{ID: "debian", VersionID: "10", Codename: "buster"}},
		{"9.13", &inventory.OS{ID: "debian", VersionID: "9", Codename: "stretch"}},
		{"3.1", &inventory.OS{ID: "debian", VersionID: "3.1", Codename: "sarge"}},
		{"13", &inventory.OS{ID: "debian", VersionID: "13", Codename: "trixie"}},
		{"bullseye/sid", &inventory.OS{ID: "debian", Codename: "bullseye"}},
		{"nonsense/sid", nil},
		{"x.y", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got := parseDebianVersion("debian", []byte(tt.in))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseDebianVersion(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func FuzzDetect(f *testing.F) {
	dirs, _ := os.ReadDir("testdata")
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == "fuzz" {
			continue
		}
		files, _ := os.ReadDir(filepath.Join("testdata", d.Name()))
		for _, e := range files {
			b, _ := os.ReadFile(filepath.Join("testdata", d.Name(), e.Name()))
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseOSRelease(b)
		// Hand the same bytes to every release file in turn, so that every
		// parser sees them alone and behind os-release.
		for _, rf := range releaseFiles {
			Detect(func(p string) ([]byte, bool) {
				if p == rf.path {
					return b, true
				}
				return nil, false
			})
		}
		Detect(func(p string) ([]byte, bool) { return b, true })
	})
}

// TestParseOSReleaseLikeShell checks ParseOSRelease against /bin/sh, which
// os-release(5) says the file can be sourced by, on every os-release and
// lsb-release file in testdata and on tricky quoting.
func TestParseOSReleaseLikeShell(t *testing.T) {
	sh := testenv.RequireCommand(t, "sh")
	files, err := filepath.Glob("testdata/*/*os-release")
	if err != nil {
		t.Fatal(err)
	}
	lsb, _ := filepath.Glob("testdata/*/etc_lsb-release")
	files = append(files, lsb...)
	tricky := filepath.Join(t.TempDir(), "tricky")
	if err := os.WriteFile(tricky, []byte("A=\"x \\\"y\\\" \\\\ \\$ \\` z\"\nB='single \\ quoted'\nC=un\\ quoted\nD=ab\"c d\"'e'\nE=\"a\\nb\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, tricky)
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got := ParseOSRelease(b)
		if len(got) == 0 {
			continue
		}
		var keys []string
		for k := range got {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		script := ". " + file
		for _, k := range keys {
			script += `; printf '%s\0' "$` + k + `"`
		}
		out, err := exec.Command(sh, "-c", script).Output()
		if err != nil {
			t.Errorf("sh %s: %v", file, err)
			continue
		}
		want := map[string]string{}
		for i, v := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
			want[keys[i]] = v
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ParseOSRelease(%s) differs from sh (-sh +got):\n%s", file, diff)
		}
	}
}

// TestHostRoot detects the OS of this machine's own root filesystem and
// compares it with what sh reads from its os-release.
func TestHostRoot(t *testing.T) {
	if _, err := os.Stat("/etc/os-release"); err != nil {
		t.Skip("no /etc/os-release on this machine")
	}
	sh := testenv.RequireCommand(t, "sh")
	out, err := exec.Command(sh, "-c", `. /etc/os-release; printf '%s\0%s\0%s\0%s' "$ID" "$VERSION_ID" "$VERSION_CODENAME" "$PRETTY_NAME"`).Output()
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(string(out), "\x00")
	want := &inventory.OS{ID: strings.ToLower(f[0]), VersionID: f[1], Codename: f[2], PrettyName: f[3]}
	got := Detect(func(p string) ([]byte, bool) {
		if p == DpkgStatusDir {
			ents, err := os.ReadDir("/" + p)
			return nil, err == nil && len(ents) > 0
		}
		b, err := os.ReadFile("/" + p)
		return b, err == nil
	})
	if want.VersionID == "" && got != nil {
		// A testing release: Detect may take the version from a release file.
		want.VersionID = got.VersionID
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Detect(/) mismatch (-want +got):\n%s", diff)
	}
}
