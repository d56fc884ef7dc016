package eol

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Releases() {
		key := r.ID + " " + r.Version
		if seen[key] {
			t.Errorf("duplicate row %s", key)
		}
		seen[key] = true
		if r.StandardEOL.After(r.EOL) {
			t.Errorf("%s: standard end %s after eol %s", key, r.StandardEOL, r.EOL)
		}
		if r.Basis != LTS && !r.StandardEOL.Equal(r.EOL) {
			t.Errorf("%s: basis %s but a separate standard end", key, r.Basis)
		}
	}
	for _, id := range []string{"alpine", "debian", "ubuntu", "rhel", "centos", "centos-stream", "rocky", "almalinux", "ol", "amzn", "fedora"} {
		found := false
		for k := range seen {
			if len(k) > len(id) && k[:len(id)+1] == id+" " {
				found = true
			}
		}
		if !found {
			t.Errorf("no rows for %q", id)
		}
	}
}

func TestParseTableErrors(t *testing.T) {
	for _, src := range []string{
		"alpine\tAlpine\t3.1\t\t2020-01-01\tstandard\t-\thttps://x\n\n",
		"alpine\tAlpine\t3.1\t\t2020-13-01\tstandard\t-\thttps://x\t\n",
		"alpine\tAlpine\t3.1\t\t2020-01-01\tforever\t-\thttps://x\t\n",
		"alpine\tAlpine\t3.1\t\t2020-01-01\tstandard\t-\tftp://x\t\n",
		"alpine\tAlpine\t3.1\t\t2020-01-01\tlts\tsoon\thttps://x\t\n",
	} {
		if _, err := parseTable(src); err == nil {
			t.Errorf("parseTable(%q) = nil error", src)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		id, version string
		want        string // "ID VERSION EOL BASIS", "" for not found
	}{
		{"alpine", "3.18.4", "alpine 3.18 2025-05-09 standard"},
		{"alpine", "3.18", "alpine 3.18 2025-05-09 standard"},
		{"alpine", "v3.19", "alpine 3.19 2025-11-01 standard"},
		{"alpine", "3", ""},
		{"alpine", "edge", ""},
		{"debian", "12.4", "debian 12 2028-06-30 lts"},
		{"debian", "12", "debian 12 2028-06-30 lts"},
		{"debian", "bookworm", "debian 12 2028-06-30 lts"},
		{"debian", "10.13", "debian 10 2024-06-30 lts"},
		{"debian", "11", "debian 11 2026-08-31 lts"},
		{"debian", "sid", ""},
		{"ubuntu", "22.04", "ubuntu 22.04 2027-04-01 standard"},
		{"ubuntu", "20.04.6", "ubuntu 20.04 2025-05-29 standard"},
		{"ubuntu", "focal", "ubuntu 20.04 2025-05-29 standard"},
		{"ubuntu", "22", ""},
		{"rhel", "8.9", "rhel 8 2029-05-31 maintenance"},
		{"ubi", "9", "rhel 9 2032-05-31 maintenance"},
		{"centos", "7.9.2009", "centos 7 2024-06-30 maintenance"},
		{"centos-stream", "9", "centos-stream 9 2027-05-31 standard"},
		{"rocky", "8.10", "rocky 8 2029-05-31 standard"},
		{"almalinux", "9.3", "almalinux 9 2032-05-31 standard"},
		{"ol", "7.9", "ol 7 2024-12-31 premier"},
		{"amzn", "2", "amzn 2 2026-06-30 standard"},
		{"amzn", "2023.3.20240219", "amzn 2023 2029-06-30 standard"},
		{"amzn", "2018.03", "amzn 2018.03 2023-12-31 standard"},
		{"fedora", "38", "fedora 38 2024-05-21 standard"},
		{"FEDORA", " 39 ", "fedora 39 2024-11-26 standard"},
		{"gentoo", "1", ""},
		{"debian", "", ""},
	}
	for _, tt := range tests {
		got := ""
		if r, ok := Lookup(tt.id, tt.version); ok {
			got = r.ID + " " + r.Version + " " + r.EOL.Format(time.DateOnly) + " " + string(r.Basis)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Lookup(%q, %q) mismatch (-want +got):\n%s", tt.id, tt.version, diff)
		}
	}
}

func TestDebianStandardEnds(t *testing.T) {
	// The dates the project was given, standard and LTS ends.
	want := map[string][2]string{
		"10": {"2022-09-10", "2024-06-30"},
		"11": {"2024-08-14", "2026-08-31"},
		"12": {"2026-06-10", "2028-06-30"},
	}
	for v, w := range want {
		r, ok := Lookup("debian", v)
		if !ok {
			t.Fatalf("Lookup(debian, %s) not found", v)
		}
		got := [2]string{r.StandardEOL.Format(time.DateOnly), r.EOL.Format(time.DateOnly)}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("debian %s ends mismatch (-want +got):\n%s", v, diff)
		}
	}
}

func TestIsEOL(t *testing.T) {
	r, _ := Lookup("alpine", "3.18")
	tests := []struct {
		now  string
		want bool
	}{
		{"2025-05-09", false},
		{"2025-05-10", true},
		{"2025-05-11", true},
		{"2026-11-26", true},
		{"2024-01-01", false},
	}
	for _, tt := range tests {
		if got := r.IsEOL(date(tt.now)); got != tt.want {
			t.Errorf("alpine 3.18 IsEOL(%s) = %v, want %v", tt.now, got, tt.want)
		}
	}
	if (Release{}).IsEOL(date("2030-01-01")) {
		t.Error("zero Release is EOL")
	}
}

func TestFromImage(t *testing.T) {
	tests := []struct {
		name, tag string
		want      string // "ID VERSION", "" for not found
	}{
		{"alpine", "3.18", "alpine 3.18"},
		{"alpine", "3.18.4", "alpine 3.18"},
		{"docker.io/library/alpine", "3.19", "alpine 3.19"},
		{"alpine", "latest", ""},
		{"alpine", "edge", ""},
		{"alpine", "3", ""},
		{"debian", "bullseye", "debian 11"},
		{"debian", "bullseye-slim", "debian 11"},
		{"debian", "11-slim", "debian 11"},
		{"debian", "11.7", "debian 11"},
		{"debian", "buster", "debian 10"},
		{"debian", "bookworm-20240110-slim", "debian 12"},
		{"debian", "stable-slim", ""},
		{"ubuntu", "20.04", "ubuntu 20.04"},
		{"ubuntu", "focal", "ubuntu 20.04"},
		{"ubuntu", "jammy-20240111", "ubuntu 22.04"},
		{"ubuntu", "22", ""},
		{"centos", "7", "centos 7"},
		{"centos", "centos7", "centos 7"},
		{"centos", "7.9.2009", "centos 7"},
		{"quay.io/centos/centos", "stream9", "centos-stream 9"},
		{"rockylinux", "8", "rocky 8"},
		{"rockylinux/rockylinux", "9.3-minimal", "rocky 9"},
		{"almalinux", "9", "almalinux 9"},
		{"oraclelinux", "7-slim", "ol 7"},
		{"amazonlinux", "2", "amzn 2"},
		{"amazonlinux", "2023", "amzn 2023"},
		{"fedora", "38", "fedora 38"},
		{"registry.access.redhat.com/ubi8/ubi-minimal", "8.9", "rhel 8"},
		{"redhat/ubi9", "latest", "rhel 9"},
		{"python", "3.11-alpine3.18", "alpine 3.18"},
		{"python", "3.11-slim-bookworm", "debian 12"},
		{"python", "3.11-alpine", ""},
		{"node", "18-bullseye", "debian 11"},
		{"node", "18-bullseye-slim", "debian 11"},
		{"golang", "1.21-bookworm", "debian 12"},
		{"golang", "1.20-alpine3.17", "alpine 3.17"},
		{"eclipse-temurin", "17-jre-jammy", "ubuntu 22.04"},
		{"ruby", "2.7-buster", "debian 10"},
		{"nginx", "1.25", ""},
		{"myorg/app", "", ""},
	}
	for _, tt := range tests {
		got := ""
		if r, ok := FromImage(tt.name, tt.tag); ok {
			got = r.ID + " " + r.Version
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("FromImage(%q, %q) mismatch (-want +got):\n%s", tt.name, tt.tag, diff)
		}
	}
}

// Releases returns a copy of the whole table, in file order.
func Releases() []Release {
	return append([]Release(nil), table...)
}
