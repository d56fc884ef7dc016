package secret

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
	"github.com/bulkhead-sec/bulkhead/internal/inventory"
)

// TestFalsePositiveFixesKeepSecrets pairs each false positive found on real
// filesystems (Debian, /usr/share, Python, the Go toolchain and module
// cache) with the real-format secret next to it that must still be found:
// the allow logic that drops the first must not drop the second.
func TestFalsePositiveFixesKeepSecrets(t *testing.T) {
	s := newTestScanner(t, Config{})
	tests := []struct {
		name, text string
		want       []string
	}{
		{"pct-encoded password word", `"http://jane:p%40ssword@google.com"`, nil},
		{"password word with junk", `Parse("http://user^:passwo^rd@foo.com/")`, nil},
		{"password ending in pass", `"http://user:env_pass@registry.corp.io/"`, nil},
		{"real password on real host", `"http://deploy:Xq7vLm2pRt9w@registry.corp.io/"`, []string{"BH-SEC-URL-HTTP-BASIC-AUTH"}},
		{"password holding pass mid-word", `postgres://app:Passage7Kq2z@db.corp.io/app`, []string{"BH-SEC-URL-POSTGRES"}},
		{"made-up host", `https://user:Xq7vLm2pRt9w@dummy.faketld/`, nil},
		{"test TLD", `postgres://app:Xq7vLm2pRt9w@db.internal.test/app`, nil},
		{"host only resembling a word", `https://user:Xq7vLm2pRt9w@examplesoft.io/`, []string{"BH-SEC-URL-HTTP-BASIC-AUTH"}},
		{"bogus host", `#     http://jschmoe:Xq7vLm2pRt9w@www.bogus.net:8000/foo`, nil},
		{"JWT signed with example key", "token: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzb21lIjoicGF5bG9hZCJ9.4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg", nil},
		{"JWT signed with real key", "token: eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAic3ZjLWJpbGxpbmciLCAiaWF0IjogMTcwMDAwMDAwMH0.NAk0lxVKidEerAg4FLyWqC-EWDumYzaE-eHO0b4ZBJk", []string{"BH-SEC-JWT"}},
		{"periodic doc token", "SWMKEY-1-aabbccdd00112233aabbccdd00112233aabbccdd00112233aa", nil},
		{"random swarm key", "SWMKEY-1-7Kq2zVd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2AeQ3k9Zb7Lm2Va", []string{"BH-SEC-DOCKER-SWARM-UNLOCK-KEY"}},
		{"windows path", `PWD = "C:/foo/bar"`, nil},
		{"odbc pwd", `Pwd=Xk9!mQ2#vL7p`, []string{"BH-SEC-GENERIC-PASSWORD"}},
		{"next key in a list", `"username= password= scmVersion="`, nil},
		{"base64 value ending in =", `password=Zm9vYmFyYmF6cXV4MTIzNA=`, []string{"BH-SEC-GENERIC-PASSWORD"}},
		{"prompt transcript", "Retype new password: karjalanpiirakka9", nil},
		{"yaml key", "password: karjalanpiirakka9", []string{"BH-SEC-GENERIC-PASSWORD"}},
		{"count of tokens", "tokens = 2*maxCompilerConcurrency + minTokens*cfg.BuildP", nil},
		{"setting about the password", "password_encryption = scram-sha-256", nil},
		{"query string example", "GET /revoke?token=agabcdefddddafdd&callback=package.myCallback HTTP/1.1", nil},
		{"query string real", "GET /hook?token=Q3k9Zb7Lm2Vd8Nc4Xw6R&callback=cb HTTP/1.1", []string{"BH-SEC-GENERIC-SECRET"}},
		{"RFC 6749 example", `"access_token":"2YotnFZFEjr1zCsicMWpAA"`, nil},
		{"list of secrets", `'image_pull_secrets': 'list[V1LocalObjectReference]',`, nil},
		{"client secret", `CLIENT_SECRET = 'Xk9mQ2vLp7zR4tW8yB3n'`, []string{"BH-SEC-GENERIC-SECRET"}},
		{"scope operator", "stop_token::_Stop_state_ref _M_state;", nil},
		{"regex value", `"pattern":"arn:aws:secretsmanager:.*:secret:AmazonLookoutMetrics-.+"`, nil},
		{"indexed member path", `"output_token": "StreamDescription.Shards[-1].ShardId",`, nil},
		{"de-leeted password word", `self.master_password = 'P4ssword'`, nil},
		{"keyboard mash", `'oauth_token_secret': '2kjshdfp92i34asdasd',`, nil},
		// Found on a pyenv site-packages (botocore, cfn-lint, moto) and GOROOT.
		{"stop word inside a word", `admin_password = Gq7RkP2xVm9ZtL4w`, []string{"BH-SEC-GENERIC-PASSWORD"}},
		{"stop word as a word", `password_min_length = 12345678abc`, nil},
		{"resource type name", `"AWS::ApiGateway::ApiKey": "4820a4d6e5b9e6f0c3f3b2f1d0e9c8b7a6f5e4d3",`, nil},
		{"path name", `"alias/aws/secretsmanager": "fee5b2a0c3d94e1f8a7b6c5d4e3f2a1b",`, nil},
		{"namespaced condition key", `"secretsmanager:ResourceTag/Owner":"${aws:userid}"`, nil},
		{"pagination token", `"NextToken": "eyJOZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ=="`, nil},
		{"idempotency token", `"ClientRequestToken": "f4c94d2e8f3c4e4c8a5e3d9d2c1b0a99",`, nil},
		{"date", `"PasswordLastUsed": "2016-09-19T16:35:44Z",`, nil},
		{"keystore password", `server.ssl.key-store-password=w6rrO2!cxlHw7A`, []string{"BH-SEC-GENERIC-PASSWORD"}},
		{"secret store name", `secret_store = vaultProdStore9x`, nil},
		{"django key with parens", `SECRET_KEY = 'django-insecure-k3(x_8#m)q!z2w@7p^v0r$t=5n&b9c*j4h%f6d+e1s'`, []string{"BH-SEC-GENERIC-SECRET"}},
		{"call", `SECRET_KEY = get_random_secret_key()`, nil},
		{"random letters", `spring.datasource.password=SGfrEo_AdSgjNw`, []string{"BH-SEC-GENERIC-PASSWORD"}},
		{"identifier", `password = currentUserPassword`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(s.ScanText("config.Env[0]", tt.text))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ScanText(%q) rule ids (-want +got):\n%s", tt.text, diff)
			}
		})
	}
}

func TestNamesPasswordAndPeriodic(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"pa%2Fssword", true}, {"My%20Pass", true}, {"p@ssw0rd", true}, {"keepthissecret", true},
		{"Xq7vLm2pRt9w", false}, {"Passage7Kq2z", false}, {"s3cr3tive9Kq", false},
	} {
		if got := namesPassword(tt.in); got != tt.want {
			t.Errorf("namesPassword(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"aabbccdd00112233aabbccdd00112233aabbccdd001", true},
		{"0a1b2c3d0a1b2c3d0a1b2c3d0a1b", true},
		{"7Kq2zVd8Nc4Xw6Ry1Ts5Pq0Hg8Fd2AeQ3k9Zb7Lm2Va", false},
		{"abcabcabcabc", false}, // too short to judge
	} {
		if got := periodic(tt.in); got != tt.want {
			t.Errorf("periodic(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestEncryptedPEMKey checks that a traditional PEM key with a
// "Proc-Type: 4,ENCRYPTED" header is reported one step lower and says so,
// while a plain key of the same type stays critical.
func TestEncryptedPEMKey(t *testing.T) {
	s := newTestScanner(t, Config{})
	enc, err := os.ReadFile("testdata/pem/encrypted-rsa.pem")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := os.ReadFile("testdata/corpus/secret/BH-SEC-PRIVATE-KEY-RSA/etc/ssl/private/server.key")
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		ID, Title string
		Severity  finding.Severity
	}
	for _, tt := range []struct {
		path string
		b    []byte
		want got
	}{
		{"etc/ssl/private/enc.pem", enc, got{"BH-SEC-PRIVATE-KEY-RSA", "RSA private key (passphrase-protected)", finding.High}},
		{"root/.ssh/id_rsa", plain, got{"BH-SEC-PRIVATE-KEY-RSA", "RSA private key", finding.Critical}},
	} {
		fs, err := s.Analyze(context.Background(), &inventory.Input{Path: tt.path, Size: int64(len(tt.b)), Reader: bytes.NewReader(tt.b)})
		if err != nil {
			t.Fatalf("Analyze(%q): %v", tt.path, err)
		}
		var gs []got
		for _, f := range fs {
			gs = append(gs, got{f.ID, f.Title, f.Severity})
		}
		if diff := cmp.Diff([]got{tt.want}, gs); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.path, diff)
		}
	}
}
