package compose

import (
	"regexp"
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// imageRef returns the image a service pulls and false when the service
// builds its image or the reference is not known before run time. A
// reference made of variables that all have defaults (`nginx:${TAG:-latest}`)
// is judged as it reads with them unset, the image it names by default; one
// with a variable without a default (`nginx:$TAG`, `${IMAGE:?}`) is not
// known.
func imageRef(s *Service) (string, bool) {
	if s.Config.Build != nil || s.Config.Image == "" {
		return "", false
	}
	if raw, ok := s.Raw("image"); ok && strings.Contains(raw, "$") && !allDefaulted(raw) {
		return "", false
	}
	return strings.TrimSpace(s.Config.Image), true
}

// varRef matches a variable reference: $$ (an escaped dollar), ${...} or
// $NAME.
var varRef = regexp.MustCompile(`\$\$|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*`)

// defaulted matches ${NAME:-default} and ${NAME-default}.
var defaulted = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*:?-[^}]*\}$`)

// allDefaulted reports whether every variable in s has a default value.
func allDefaulted(s string) bool {
	for _, m := range varRef.FindAllString(s, -1) {
		if m != "$$" && !defaulted.MatchString(m) {
			return false
		}
	}
	return true
}

// splitRef splits an image reference into repository, tag and digest.
func splitRef(ref string) (repo, tag, digest string) {
	repo = ref
	if i := strings.Index(repo, "@"); i >= 0 {
		repo, digest = repo[:i], repo[i+1:]
	}
	if i := strings.LastIndex(repo, ":"); i >= 0 && !strings.Contains(repo[i:], "/") {
		repo, tag = repo[:i], repo[i+1:]
	}
	return repo, tag, digest
}

var ruleImageLatest = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-018", Name: "image-latest", Severity: finding.Medium,
		Title:       "Image tag is latest or missing",
		Description: "`latest` (or no tag, which means latest) names whatever was pushed last: deployments are not reproducible, a rollback may not return to the same code, and a compromised push is picked up silently.",
		Fix:         "Pin a version tag, such as `nginx:1.27.2`, or better a digest.",
	},
	Check: func(s *Service) []Hit {
		ref, ok := imageRef(s)
		if !ok {
			return nil
		}
		_, tag, digest := splitRef(ref)
		if digest != "" || (tag != "" && tag != "latest") {
			return nil
		}
		return []Hit{{Line: s.KeyLine("image"), Evidence: imageEvidence(s, ref)}}
	},
}

// imageEvidence shows the image judged, and the reference as written when
// it came from variable defaults.
func imageEvidence(s *Service, ref string) string {
	if raw, ok := s.Raw("image"); ok && strings.Contains(raw, "$") {
		return "image: " + ref + " (" + strings.TrimSpace(raw) + " with its variables unset)"
	}
	return "image: " + ref
}

var ruleImageDigest = &Rule{
	Meta: RuleMeta{
		ID: "BH-CP-019", Name: "image-not-pinned", Severity: finding.Low,
		Title:       "Image not pinned by digest",
		Description: "A tag can be moved to another image at any time; only a digest names exactly the image that was reviewed and scanned.",
		Fix:         "Append the digest, such as `nginx:1.27.2@sha256:...`, and let a bot such as Renovate update it.",
	},
	Check: func(s *Service) []Hit {
		ref, ok := imageRef(s)
		if !ok {
			return nil
		}
		if _, _, digest := splitRef(ref); digest != "" {
			return nil
		}
		return []Hit{{Line: s.KeyLine("image"), Evidence: imageEvidence(s, ref)}}
	},
}
