package secret

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestRedactNeverMoreThanAQuarter checks the one redaction rule on every
// length: at most a quarter of the characters and at most MaxRedactKeep.
func TestRedactNeverMoreThanAQuarter(t *testing.T) {
	for n := 0; n <= 80; n++ {
		s := strings.Repeat("k", n)
		got := Redact(s)
		if !strings.HasSuffix(got, "****") {
			t.Fatalf("Redact(%d chars) = %q: no mask", n, got)
		}
		kept := utf8.RuneCountInString(strings.TrimSuffix(got, "****"))
		if kept*4 > n || kept > MaxRedactKeep {
			t.Errorf("Redact of %d characters keeps %d", n, kept)
		}
	}
	for in, want := range map[string]string{"s3cr3t!": "****", "hunter2-is-long": "hun****", "0123456789ab": "012****"} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsSecretName(t *testing.T) {
	tests := map[string]bool{
		"DB_PASSWORD": true, "password": true, "GITHUB_TOKEN": true, "AWS_SECRET_ACCESS_KEY": true,
		"API_KEY": true, "apikey": true, "STRIPE_KEY": true, "MYSQL_ROOT_PASS": true, "CLIENT_SECRET": true,
		"GPG_KEY": false, "PYTHON_GPG_KEY": false, "DB_PASSWORD_FILE": false, "KEYBOARD_LAYOUT": false,
		"PATH": false, "HOME": false, "TOKENIZER_MODEL": false, "PUBLIC_KEY": false, "SSH_KEY_PATH": false,
	}
	for name, want := range tests {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestHasToken(t *testing.T) {
	for v, want := range map[string]bool{
		"ghp_R8b2Kq9ZxY4mN7pL3vT6wJ1sD5fH0gC2aE8u": true,
		"AKIAZ3MHQJ5PLR7TXW2K":                     true,
		"postgres://app:Vq8zR2mK9x@db:5432/app":    true,
		"AKIAIOSFODNN7EXAMPLE":                     false, // AWS's documented example
		"production":                               false,
		"password=Zq8vR2mK9xL4":                    false, // generic assignments are no token
		"":                                         false,
	} {
		if got := HasToken(v); got != want {
			t.Errorf("HasToken(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestRedactText(t *testing.T) {
	in := `RUN curl -H "Authorization: token ghp_R8b2Kq9ZxY4mN7pL3vT6wJ1sD5fH0gC2aE8u" https://x && echo password=Zq8vR2mK9xL4 && use s3cr3tvalue`
	got := RedactText(in, "s3cr3tvalue")
	for _, s := range []string{"ghp_R8b2Kq9ZxY4mN7pL3vT6wJ1sD5fH0gC2aE8u", "R8b2", "Zq8vR2mK9xL4", "vR2m", "s3cr3tvalue"} {
		if strings.Contains(got, s) {
			t.Errorf("RedactText left %q in %q", s, got)
		}
	}
	if !strings.Contains(got, "ghp_****") || !strings.Contains(got, "https://x") {
		t.Errorf("RedactText = %q: want the token masked and the rest kept", got)
	}
	if RedactText("nothing here") != "nothing here" {
		t.Error("RedactText changed text without secrets")
	}
}
