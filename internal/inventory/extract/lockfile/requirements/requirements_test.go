package requirements

import (
	"os"
	"testing"

	"github.com/bulkhead-sec/bulkhead/internal/inventory"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile"
	"github.com/bulkhead-sec/bulkhead/internal/inventory/extract/lockfile/internal/lockfiletest"
)

func pkg(path, name, version, purl, rel string, deps ...string) inventory.Package {
	p := inventory.Package{Name: name, Version: version, Type: "pypi", PURL: purl, Path: path,
		Relationship: rel, Extractor: Name}
	if len(deps) > 0 {
		p.DependsOn = deps
	}
	return p
}

func TestParse(t *testing.T) {
	const c, d = "app/requirements.txt", "app/requirements-dev.txt"
	lockfiletest.ParseCases(t, New(), []lockfiletest.Case{
		{
			File: "testdata/requirements.txt", Path: c,
			Want: []inventory.Package{
				pkg(c, "anyio", "4.4.0", "pkg:pypi/anyio@4.4.0", "transitive", "idna", "sniffio"),
				pkg(c, "certifi", "2024.7.4", "pkg:pypi/certifi@2024.7.4", "transitive"),
				pkg(c, "httpcore", "1.0.5", "pkg:pypi/httpcore@1.0.5", "transitive", "certifi"),
				pkg(c, "httpx", "0.27.0", "pkg:pypi/httpx@0.27.0", "direct", "anyio", "certifi", "httpcore", "idna", "sniffio"),
				pkg(c, "idna", "3.7", "pkg:pypi/idna@3.7", "transitive"),
				pkg(c, "sniffio", "1.3.1", "pkg:pypi/sniffio@1.3.1", "transitive"),
				pkg(c, "starlette", "0.37.2", "pkg:pypi/starlette@0.37.2", "direct", "anyio"),
				pkg(c, "uvicorn", "0.30.1", "pkg:pypi/uvicorn@0.30.1", "direct"),
			},
		},
		{
			File: "testdata/requirements-dev.txt", Path: d,
			Want: []inventory.Package{
				pkg(d, "pytest", "8.2.2", "pkg:pypi/pytest@8.2.2", ""),
				pkg(d, "black", "24.4.2", "pkg:pypi/black@24.4.2", ""),
				pkg(d, "ruff", "0.5.0", "pkg:pypi/ruff@0.5.0", ""),
				pkg(d, "types-requests", "2.32.0.20240622", "pkg:pypi/types-requests@2.32.0.20240622", ""),
				pkg(d, "requests", "2.32.3", "pkg:pypi/requests@2.32.3", ""),
			},
			WantSkipped: []lockfile.Skip{
				{Spec: "-r requirements.txt", Reason: "include not followed", Line: 2},
				{Name: "pytest-cov", Spec: "pytest-cov >= 5.0", Reason: "not pinned", Line: 7},
				{Name: "mypy", Spec: "mypy", Reason: "not pinned", Line: 9},
				{Name: "Django", Spec: "Django>=4.2,<5.0", Reason: "not pinned", Line: 12},
				{Name: "zope.interface", Spec: "zope.interface==6.*", Reason: "not pinned", Line: 13},
				{Spec: "./libs/shared", Reason: "editable", Line: 14},
				{Spec: "git+https://github.com/acme/devtools.git@v1.2.0#egg=devtools", Reason: "editable", Line: 15},
				{Spec: "git+https://github.com/acme/fixtures.git@main#egg=fixtures", Reason: "VCS dependency", Line: 16},
				{Name: "pkg-from-url", Spec: "pkg-from-url @ https://files.example.com/pkg-from-url-1.0.tar.gz", Reason: "URL dependency", Line: 17},
				{Spec: "./vendor/wheels/localpkg-0.1.0-py3-none-any.whl", Reason: "local path", Line: 18},
			},
		},
	})
}

func TestRequirementLines(t *testing.T) {
	tests := []struct {
		line, name, version, reason string
	}{
		{line: "a==1.0", name: "a", version: "1.0"},
		{line: "a == 1.0", name: "a", version: "1.0"},
		{line: "A.B_c[x,y]==2.0.post1 ; sys_platform == 'linux'", name: "a-b-c", version: "2.0.post1"},
		{line: "a===1.0+local", name: "a", version: "1.0+local"},
		{line: "a==1.0 --hash=sha256:00", name: "a", version: "1.0"},
		{line: "a~=1.0", name: "a", reason: "not pinned"},
		{line: "a!=1.0", name: "a", reason: "not pinned"},
		{line: "a==1.0,<2", name: "a", reason: "not pinned"},
		{line: "a[x", name: "a", reason: "not a requirement"},
		{line: "-a==1", reason: "not a requirement"},
		{line: "a @ git+https://x/y.git", name: "a", reason: "VCS dependency"},
		{line: "https://x/y-1.0.tar.gz", reason: "URL dependency"},
		{line: "/abs/path", reason: "local path"},
	}
	for _, tc := range tests {
		p, skip := requirement(tc.line, 1)
		gotReason := ""
		if skip != nil {
			gotReason = skip.Reason
			p.Name = skip.Name
		}
		if p.Name != tc.name || p.Version != tc.version || gotReason != tc.reason {
			t.Errorf("requirement(%q) = name %q version %q skip %q; want %q %q %q", tc.line, p.Name, p.Version, gotReason, tc.name, tc.version, tc.reason)
		}
	}
}

func TestExtractor(t *testing.T) {
	sample, err := os.ReadFile("testdata/requirements.txt")
	if err != nil {
		t.Fatal(err)
	}
	lockfiletest.CheckExtractor(t, New(),
		[]string{"requirements.txt", "app/requirements-dev.txt", "requirements_prod.txt", "requirements/base.txt", "x/requirements/test.txt"},
		[]string{"requirements.in", "dev-requirements.in", "notes.txt", "requirements.txt.bak", "myrequirements/base.txt"},
		sample)
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/requirements.txt", "testdata/requirements-dev.txt"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			return
		}
		for _, p := range r.Packages {
			if p.Name == "" || p.Version == "" || p.PURL == "" {
				t.Errorf("package %+v: want a name, a version and a PURL", p)
			}
		}
	})
}
