package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// imageRegistry returns the registry host of an image name, "docker.io"
// for Docker Hub names.
func imageRegistry(name string) string {
	first, _, ok := strings.Cut(name, "/")
	if !ok || !(strings.ContainsAny(first, ".:") || first == "localhost") {
		return "docker.io"
	}
	return first
}

// trusted reports whether registry reg is in the allow-list; an entry
// "*.example.com" matches every subdomain of example.com.
func trusted(reg string, allow []string) bool {
	reg = strings.ToLower(reg)
	for _, a := range allow {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case a == reg:
			return true
		case reg == "docker.io" && (a == "hub.docker.com" || a == "index.docker.io" || a == "registry-1.docker.io"):
			return true
		case strings.HasPrefix(a, "*.") && strings.HasSuffix(reg, a[1:]):
			return true
		}
	}
	return false
}

var rule076 = &Rule{
	Meta: RuleMeta{
		ID: "BH-DF-076", Name: "untrusted-registry", Severity: finding.High,
		Title:       "Base image from a registry outside the allow-list",
		Aliases:     []string{"DL3026"},
		Description: "Only runs when trusted registries are configured (`trustedRegistries` in .hadolint.yaml). A base image from any other registry bypasses the images the organisation vets and mirrors. Stage names and scratch are not images and pass.",
		Fix:         "Pull the base image through a trusted registry, or add the registry to `trustedRegistries`.",
	},
	Check: func(f *File, env *Env) []Hit {
		if len(env.TrustedRegistries) == 0 {
			return nil
		}
		var out []Hit
		for _, st := range f.Stages {
			if st.Image == nil {
				continue
			}
			if reg := imageRegistry(st.Image.Name); !trusted(reg, env.TrustedRegistries) {
				out = append(out, hit(st.From, "Registry "+reg+" is not trusted."))
			}
		}
		return out
	},
}
