package eol

import (
	"regexp"
	"strings"
)

// distroImages maps official image repositories (Docker Hub names, and the
// common Red Hat and quay.io spellings) to the os-release id whose releases
// their tags name.
var distroImages = map[string]string{
	"alpine":                            "alpine",
	"debian":                            "debian",
	"ubuntu":                            "ubuntu",
	"centos":                            "centos",
	"quay.io/centos/centos":             "centos",
	"rockylinux":                        "rocky",
	"rockylinux/rockylinux":             "rocky",
	"almalinux":                         "almalinux",
	"almalinux/almalinux":               "almalinux",
	"oraclelinux":                       "ol",
	"amazonlinux":                       "amzn",
	"fedora":                            "fedora",
	"registry.fedoraproject.org/fedora": "fedora",
}

var (
	ubiRepo     = regexp.MustCompile(`^(?:redhat/|registry\.access\.redhat\.com/|registry\.redhat\.io/)?ubi(\d+)(?:/[a-z0-9-]+|-[a-z0-9-]+)?$`)
	alpineTok   = regexp.MustCompile(`^alpine(\d+\.\d+)`)
	leadVersion = regexp.MustCompile(`^(\d+(?:\.\d+)*)`)
	streamTag   = regexp.MustCompile(`^stream(\d+)`)
)

// codenames maps release codenames to their distribution, for tags of
// language images such as node:18-bullseye or eclipse-temurin:17-jammy.
var codenames = map[string]string{
	"wheezy": "debian", "jessie": "debian", "stretch": "debian", "buster": "debian",
	"bullseye": "debian", "bookworm": "debian", "trixie": "debian",
	"trusty": "ubuntu", "xenial": "ubuntu", "bionic": "ubuntu", "focal": "ubuntu",
	"jammy": "ubuntu", "noble": "ubuntu", "kinetic": "ubuntu", "lunar": "ubuntu",
	"mantic": "ubuntu", "oracular": "ubuntu", "plucky": "ubuntu", "questing": "ubuntu",
}

// normalizeRepo drops the default registry and library/ prefix of a Docker
// Hub name, so that docker.io/library/alpine is alpine.
func normalizeRepo(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, p := range []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		n = strings.TrimPrefix(n, p)
	}
	return strings.TrimPrefix(n, "library/")
}

// FromImage finds the OS release a base image is built on, from its
// repository name and tag as written in a FROM line: alpine:3.18,
// debian:bullseye-slim, ubuntu:20.04, centos:7, amazonlinux:2,
// registry.access.redhat.com/ubi8/ubi-minimal:8.9, and language images whose
// tag names the distribution (python:3.11-alpine3.18, node:18-bullseye,
// golang:1.21-bookworm). Tags that name no fixed release (latest, edge,
// stable, a bare -alpine suffix) are not found.
func FromImage(name, tag string) (Release, bool) {
	repo := normalizeRepo(name)
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" {
		return Release{}, false
	}
	if id, ok := distroImages[repo]; ok {
		return fromDistroTag(id, tag)
	}
	if m := ubiRepo.FindStringSubmatch(repo); m != nil {
		return Lookup("rhel", m[1])
	}
	return fromSuffix(tag)
}

// fromDistroTag reads the tag of a distribution's own image.
func fromDistroTag(id, tag string) (Release, bool) {
	if id == "centos" {
		if m := streamTag.FindStringSubmatch(tag); m != nil {
			return Lookup("centos-stream", m[1])
		}
		tag = strings.TrimPrefix(tag, "centos")
	}
	toks := strings.Split(tag, "-")
	for _, t := range toks {
		if r, ok := Lookup(id, t); ok && r.Codename == t {
			return r, true
		}
	}
	if m := leadVersion.FindStringSubmatch(toks[0]); m != nil {
		v := m[1]
		// A one-part version names a branch only where branches have one part.
		if (id == "alpine" || id == "ubuntu") && !strings.Contains(v, ".") {
			return Release{}, false
		}
		return Lookup(id, v)
	}
	return Release{}, false
}

// fromSuffix finds a distribution named inside a language image's tag.
func fromSuffix(tag string) (Release, bool) {
	for _, t := range strings.Split(tag, "-") {
		if m := alpineTok.FindStringSubmatch(t); m != nil {
			return Lookup("alpine", m[1])
		}
		if id, ok := codenames[t]; ok {
			return Lookup(id, t)
		}
	}
	return Release{}, false
}
