package secret

import (
	"context"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// MaxRedactKeep is the most characters Redact ever keeps.
const MaxRedactKeep = 4

// Redact hides a secret: it keeps at most a quarter of its characters, and
// never more than MaxRedactKeep, followed by "****": 4 of a secret of 16
// characters or more, 3 of 12 to 15, 2 of 8 to 11, none under 8. This is
// bulkhead's one redaction rule; every command that shows a secret (scan,
// lint, audit, image checks) calls it.
func Redact(s string) string {
	n := utf8.RuneCountInString(s)
	keep := 0
	if n >= 8 {
		keep = min(MaxRedactKeep, n/4)
	}
	end := 0
	for i := 0; i < keep; i++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	return s[:end] + "****"
}

// defaultScanner is a scanner with the built-in rules, for the helpers
// below (lint and image checks have no scanner of their own).
var defaultScanner = sync.OnceValue(func() *Scanner {
	s, err := New(Config{})
	if err != nil {
		panic("secret: built-in rules: " + err.Error())
	}
	return s
})

// maxTextHelper bounds the text the helpers below look at.
const maxTextHelper = 1 << 20

// spans returns the merged byte spans of every secret candidate the rules
// find in text (as ScanText would: path-gated rules do not run); generic
// says whether generic assignment rules count.
func (s *Scanner) spans(text string, generic bool) []span {
	if len(text) > maxTextHelper {
		text = text[:maxTextHelper]
	}
	st := s.pool.Get().(*scanState)
	defer s.putState(st)
	st.buf = append(st.buf[:0], text...)
	if s.collect(ctxBackground, st, st.buf, "", true) != nil {
		return nil
	}
	var out []span
	for _, c := range st.cands {
		if !generic && s.rules[c.rule].Category == CatGeneric {
			continue
		}
		out = append(out, span{c.ss, c.se})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].a < out[j].a })
	merged := out[:0]
	for _, sp := range out {
		if n := len(merged); n > 0 && sp.a < merged[n-1].b {
			merged[n-1].b = max(merged[n-1].b, sp.b)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// HasToken reports whether v holds a credential of a known format (a
// token, key or password-bearing URL that a non-generic built-in rule
// finds): what makes an ENV value a secret whatever its name.
func HasToken(v string) bool {
	return len(defaultScanner().spans(v, false)) > 0
}

// RedactText returns text with every secret the built-in rules find in it
// (generic assignments included) and every one of values redacted by
// Redact. Lint and image checks call it on the lines they show.
func RedactText(text string, values ...string) string {
	for _, v := range values {
		if len(v) >= 2 {
			text = strings.ReplaceAll(text, v, Redact(v))
		}
	}
	sp := defaultScanner().spans(text, true)
	if len(sp) == 0 {
		return text
	}
	var b strings.Builder
	pos := 0
	for _, x := range sp {
		if x.a < pos || x.b > len(text) {
			continue
		}
		b.WriteString(text[pos:x.a])
		b.WriteString(Redact(text[x.a:x.b]))
		pos = x.b
	}
	b.WriteString(text[pos:])
	return b.String()
}

// secretWords are parts of variable names that hold secrets.
var secretWords = []string{"password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key",
	"accesskey", "access_key", "private_key", "privatekey", "credential", "auth_key", "client_secret", "_pass", "key"}

// notSecretWords make a name harmless even when it contains a secret word:
// public key material, ids and file paths (the recommended pattern).
var notSecretWords = []string{"gpg", "public", "pubkey", "fingerprint", "keyserver", "keyring", "key_id", "keyid",
	"_file", "_path", "_dir", "_url", "monkey", "keyboard", "turkey", "hockey", "donkey", "_length", "_size", "tokenizer"}

// IsSecretName reports whether an environment variable or build argument
// name says it holds a secret (DB_PASSWORD, API_KEY, GITHUB_TOKEN), and is
// not a setting about one (*_FILE, *_PATH, GPG_KEY, KEY_ID).
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range notSecretWords {
		if strings.Contains(n, w) {
			return false
		}
	}
	for _, w := range secretWords {
		switch w {
		case "key":
			if n == "key" || strings.HasSuffix(n, "_key") || strings.HasSuffix(n, "-key") || strings.HasPrefix(n, "key_") {
				return true
			}
		case "pwd":
			if n == "pwd" || strings.HasSuffix(n, "_pwd") {
				return true
			}
		case "_pass":
			if strings.HasSuffix(n, "_pass") {
				return true
			}
		default:
			if strings.Contains(n, w) {
				return true
			}
		}
	}
	return false
}

var ctxBackground = context.Background()
