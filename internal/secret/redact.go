package secret

import "unicode/utf8"

// Redact hides a secret: it keeps the first 4 characters of a secret of 16
// or more characters, the first 2 of one of 8 to 15, and none of a shorter
// one, followed by "****". The result never holds more than a quarter of
// the secret.
func Redact(s string) string {
	n := utf8.RuneCountInString(s)
	keep := 0
	switch {
	case n >= 16:
		keep = 4
	case n >= 8:
		keep = 2
	}
	end := 0
	for i := 0; i < keep; i++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	return s[:end] + "****"
}
