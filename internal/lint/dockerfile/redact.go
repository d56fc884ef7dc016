package dockerfile

import (
	"regexp"
	"strings"
)

// secretWords are parts of variable names that hold secrets.
var secretWords = []string{"password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key",
	"accesskey", "access_key", "private_key", "privatekey", "credential", "auth_key", "client_secret", "_pass", "key"}

// notSecretWords make a name harmless even when it contains a secret word:
// public key material, ids and file paths (the recommended pattern).
var notSecretWords = []string{"gpg", "public", "pubkey", "fingerprint", "keyserver", "keyring", "key_id", "keyid", "_file", "_path", "_dir", "_url", "monkey", "keyboard", "turkey", "hockey", "donkey", "_length", "_size", "tokenizer"}

// SecretName reports whether a variable name looks like it holds a secret.
func SecretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range notSecretWords {
		if strings.Contains(n, w) {
			return false
		}
	}
	for _, w := range secretWords {
		if w == "key" {
			if n == "key" || strings.HasSuffix(n, "_key") || strings.HasSuffix(n, "-key") || strings.HasPrefix(n, "key_") {
				return true
			}
			continue
		}
		if w == "pwd" {
			if n == "pwd" || strings.HasSuffix(n, "_pwd") {
				return true
			}
			continue
		}
		if w == "_pass" {
			if strings.HasSuffix(n, "_pass") {
				return true
			}
			continue
		}
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// tokenValue matches values with the prefix of a well-known credential.
var tokenValue = regexp.MustCompile(`(?:\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\bgh[pousr]_[0-9A-Za-z]{30,}|\bgithub_pat_[0-9A-Za-z_]{30,}|\bglpat-[0-9A-Za-z_\-]{20,}|\bxox[abpors]-[0-9A-Za-z\-]{10,}|\bsk_live_[0-9A-Za-z]{16,}|\brk_live_[0-9A-Za-z]{16,}|\bnpm_[0-9A-Za-z]{36}\b|\bAIza[0-9A-Za-z_\-]{35}|\bSG\.[0-9A-Za-z_\-]{16,}\.[0-9A-Za-z_\-]{16,}|\bsk-[0-9A-Za-z_\-]{32,}|\bhf_[0-9A-Za-z]{30,}|-----BEGIN [A-Z ]*PRIVATE KEY-----)`)

// tokenKeywords are literal parts every tokenValue match contains; a string
// without any of them is not searched with the regular expression.
var tokenKeywords = []string{"AKIA", "ASIA", "gh", "github_pat_", "glpat-", "xox", "_live_", "npm_", "AIza", "SG.", "sk-", "hf_", "-----BEGIN"}

func mayHaveToken(s string) bool {
	for _, k := range tokenKeywords {
		if strings.Contains(s, k) {
			return true
		}
	}
	return false
}

// TokenValue reports whether v contains a well-known credential.
func TokenValue(v string) bool { return mayHaveToken(v) && tokenValue.MatchString(v) }

// Redact keeps the first four characters of a secret and masks the rest.
func Redact(v string) string {
	r := []rune(v)
	if len(r) <= 4 {
		return "****"
	}
	return string(r[:4]) + "****"
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
// and known tokens are masked everywhere).
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
			if isPlaceholder(kv[1]) {
				continue
			}
			if (SecretName(kv[0]) || TokenValue(kv[1])) && len(out) < maxSecretValues {
				out = append(out, kv[1])
			}
		}
	}
	return out
}

// redactText masks the given secret values and any known token in s.
func redactText(s string, secrets []string) string {
	for _, v := range secrets {
		if len(v) >= 2 {
			s = strings.ReplaceAll(s, v, Redact(v))
		}
	}
	if !mayHaveToken(s) {
		return s
	}
	return tokenValue.ReplaceAllStringFunc(s, Redact)
}
