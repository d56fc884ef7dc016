package secret

import "unicode/utf8"

// Redact hides a secret: it keeps the first 4 characters of a secret of 16
// or more bytes, the first 2 of one of 8 to 15 bytes, and none of a shorter
// one, followed by "****". The result never holds more than a quarter of
// the secret.
func Redact(s string) string {
	keep := 0
	switch {
	case len(s) >= 16:
		keep = 4
	case len(s) >= 8:
		keep = 2
	}
	// Cut on a rune boundary.
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + "****"
}
