package dockerfile

import (
	"strings"

	"github.com/bulkhead-sec/bulkhead/internal/secret"
)

// Secret detection and redaction belong to internal/secret: this file only
// applies them to instructions.

// secretPair reports whether an ENV or ARG pair sets a secret: a name that
// says so or a value holding a credential of a known format.
func secretPair(name, value string) bool {
	return !isPlaceholder(value) && (secret.IsSecretName(name) || secret.HasToken(value))
}

// isPlaceholder reports whether a value is not a secret itself: empty, or
// only a reference to another variable.
func isPlaceholder(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return true
	}
	if strings.HasPrefix(v, "$") && !strings.ContainsAny(v[1:], "$ ") {
		return true
	}
	return false
}

// maxSecretValues bounds how many ENV/ARG secret values are masked in the
// evidence of other instructions (ENV/ARG evidence itself is always masked,
// and detected secrets are masked everywhere).
const maxSecretValues = 64

// secretValues returns the values in the file that must never be shown:
// values of secret-looking ENV/ARG names and any known token.
func secretValues(f *File) []string {
	var out []string
	for _, in := range f.Instrs {
		if in.Cmd != "env" && in.Cmd != "arg" {
			continue
		}
		for _, kv := range pairList(in) {
			if secretPair(kv[0], kv[1]) && len(out) < maxSecretValues {
				out = append(out, kv[1])
			}
		}
	}
	return out
}

// redactText masks the given secret values and every secret the secret
// scanner's rules find in s.
func redactText(s string, secrets []string) string { return secret.RedactText(s, secrets...) }
