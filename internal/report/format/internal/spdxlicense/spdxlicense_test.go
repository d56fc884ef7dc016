package spdxlicense

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"MIT", "MIT", true},
		{"mit", "MIT", true},
		{"Apache-2.0 OR MIT", "Apache-2.0 OR MIT", true},
		{"(mit or apache-2.0) and BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause", true},
		{"GPL-2.0-or-later WITH Classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0", true},
		{"GPL-2.0+", "GPL-2.0+", true},
		{"LGPL-2.1+", "LGPL-2.1+", true},
		{"LicenseRef-acme-1", "LicenseRef-acme-1", true},
		{"DocumentRef-x:LicenseRef-y", "DocumentRef-x:LicenseRef-y", true},
		{"GPLv3+ | with exceptions", "", false},
		{"MIT AND", "", false},
		{"(MIT", "", false},
		{"MIT)", "", false},
		{"Apache 2.0", "", false},
		{"MIT WITH Nonsense", "", false},
		{"", "", false},
		{"((((((((((((((((((((((((((((((((((((MIT))))))))))))))))))))))))))))))))))))", "", false},
	}
	for _, tt := range tests {
		got, ok := Normalize(tt.in)
		if diff := cmp.Diff(tt.want, got); diff != "" || ok != tt.ok {
			t.Errorf("Normalize(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRef(t *testing.T) {
	tests := map[string]string{
		"GPLv3+ | with exceptions": "LicenseRef-GPLv3-with-exceptions",
		"Apache 2.0":               "LicenseRef-Apache-2.0",
		"":                         "LicenseRef-unknown",
		"***":                      "LicenseRef-unknown",
	}
	for in, want := range tests {
		if got := Ref(in); got != want {
			t.Errorf("Ref(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	f.Add("(MIT OR Apache-2.0) AND GPL-2.0+ WITH Classpath-exception-2.0")
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := Normalize(s)
		if !ok {
			return
		}
		again, ok2 := Normalize(out)
		if !ok2 || again != out {
			t.Fatalf("Normalize(%q) = %q, which normalizes to %q, %v", s, out, again, ok2)
		}
	})
}
