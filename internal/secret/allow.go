package secret

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"math"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// knownExamples are published example or well-known public test values that
// are never real credentials.
var knownExamples = map[string]bool{
	"AKIAIOSFODNN7EXAMPLE":                     true, // AWS documentation
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY": true, // AWS documentation
	"AKIAI44QH8DHBEXAMPLE":                     true, // AWS documentation
	"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY": true, // AWS documentation
	// Azurite / storage emulator well-known key (public by design).
	"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==": true,
	// jwt.io's example token.
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c": true,
	// Slack API documentation example bot token.
	"xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy": true,
	// Stripe's documentation test keys.
	"sk_test_BQokikJOvBiI2HlWgH4olfQ2": true, "sk_test_4eC39HqLyjWDarjtT1zdp7dc": true,
	// Mailgun documentation example key.
	"key-3ax6xnjp29jd6fds4gc373sgvjxteol0": true,
	// Docker documentation's swarm join tokens and unlock keys.
	"SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-7p73s1dx5in4tatdymyhg9hu2": true,
	"SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx": true,
	"SWMTKN-1-1h8aps2yszaiqmz2l3oc5392pgk8e49qhx2aj3nyv0ui0hez2a-8llk83c4wm9lwioey2s316r9l": true,
	"SWMTKN-1-1h8aps2yszaiqmz2l3oc5392pgk8e49qhx2aj3nyv0ui0hez2a-6qmn92w6bu3jdvnglku58u11a": true,
	"SWMKEY-1-7c37Cc8654o6p38HnroywCi19pllOnGtbdZEgtKxZu8":                                  true,
	"SWMKEY-1-y6guTZNTwpQeTL5RhUfOsdBdXoQjiB2GADHSRJvbXeU":                                  true,
	"SWMKEY-1-y6guTZNTwpQeTL5RhUfOsdBdXoQjiB2GADHSRJvbXeE":                                  true,
	// Google Maps documentation sample key.
	"AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe": true,
	// OAuth RFC examples (RFC 5849, RFC 6749, RFC 7009), copied into the
	// docstrings of every OAuth library.
	"2YotnFZFEjr1zCsicMWpAA": true, "tGzv3JOkF0XG5Qx2TlKWIA": true, "SplxlOBeZQQYbYS6WxSbIA": true,
	"8xLOxBtZp8": true, "gX1fBat3bV": true, "mF_9.B5f-4.1JqM": true, "czZCaGRSa3F0MzpnWDFmQmF0M2JW": true,
	"ad180jjd733klru7": true, "dpf43f3p2l4k3l03": true, "kd94hf93k423kf44": true, "nnch734d00sl2jdk": true,
	"pfkkdhi9sl3r4s00": true, "hh5s93j4hdidpola": true, "hdk48Djdsa": true, "agabcdefddddafdd": true,
	"45ghiukldjahdnhzdauz": true,
	// Docker Engine API documentation's registry password example.
	"conta1n3rize14": true,
	// xkcd 936, the best-known example password.
	"Tr0ub4dor&3": true, "correcthorsebatterystaple": true,
	// requests-oauthlib's docstring examples (vendored by many SDKs).
	"2kjshdfp92i34asdasd": true, "sdf0o9823sjdfsdf": true,
	// Jetty's obfuscated default keystore passwords ("storepwd", "keypwd").
	"OBF:1vny1zlo1x8e1vnw1vn61x8g1zlu1vn4": true, "OBF:1u2u1wml1z7s1z7a1wnl1u2g": true,
	// Public by design: the installed-app OAuth client secrets and API keys
	// that Google Cloud CLI (gcloud, gsutil, bq) ships in its source, in
	// every google-cloud-cli package and image.
	"d-FL95Q19q7MQmFpd7hHD0Ty": true, "ZmssLNjJy2998hD4CTg2ejr2": true, "wbER7576mc_1YOII0dGk7jEE": true,
	"AIzaSyCUuWyME_r4XylltWNeydEjKSkgXkvpVyU": true, "AIzaSyAp4DSI_Z3-mK-B8U0t7GE34n74OWDJmak": true,
	"AIzaSyDnacJHrKma0048b13sh8cgxNUwulubmJM": true,
}

// placeholderWords mark a value as an example when they appear anywhere in
// it (case-insensitive).
var placeholderWords = []string{
	"example", "dummy", "placeholder", "changeme", "change_me", "change-me", "changeit",
	"sample", "fake", "xxxx", "****", "redacted", "your_", "your-", "yourtoken", "yourkey",
	"yoursecret", "yourpassword", "insert", "replace", "todo", "fixme", "mock", "test",
	"0123456789", "1234567890", "abcdefghij", "...", "\u2026", "your@", "your.",
	// Keyboard mashes.
	"asdasd", "asdf", "qwerty",
}

// placeholderMarks are template or variable syntax: the value is a reference
// to a secret kept elsewhere, not the secret.
var placeholderMarks = []string{"${", "$(", "{{", "}}", "<", ">", "%(", "%s", "#{", "@{"}

// IsPlaceholder reports whether s is a documented example value, a
// template or variable reference, or an obvious placeholder (all one
// character, a run of x's, "changeme", "<your-token>", "${VAR}", ...).
func IsPlaceholder(s string) bool {
	if s == "" || knownExamples[s] {
		return true
	}
	for _, m := range placeholderMarks {
		if strings.Contains(s, m) {
			return true
		}
	}
	// AWS documents long values (session tokens) with EXAMPLE inside.
	if strings.Contains(s, "EXAMPLE") {
		return true
	}
	if len(s) <= 128 {
		l := strings.ToLower(s)
		for _, w := range placeholderWords {
			if strings.Contains(l, w) {
				return true
			}
		}
	}
	return repetitive(s)
}

// repetitive reports whether the part of s after a short prefix ("ghp_",
// "AKIA", "sk_live_") uses at most two distinct bytes: "ghp_0000...",
// "AKIAAAAAAAAAAAAAAAAA", "aaaaaaaa".
func repetitive(s string) bool {
	tail := s
	head := tail[:min(len(tail), 20)]
	if i := strings.LastIndexAny(head, "_-.$"); i >= 0 && i < len(tail)-1 {
		tail = tail[i+1:]
	}
	if len(tail) >= 4 && distinct(tail) <= 2 {
		return true
	}
	if periodic(tail) {
		return true
	}
	if len(s) >= 8 && len(s) > 4 && distinct(s[4:]) <= 1 {
		return true
	}
	return false
}

// periodic reports whether s of 24 bytes or more repeats one block of at
// most half its length: "aabbccdd00112233aabbccdd00112233aabb".
func periodic(s string) bool {
	if len(s) < 24 {
		return false
	}
	for p := 2; p <= len(s)/2; p++ {
		i := p
		for i < len(s) && s[i] == s[i-p] {
			i++
		}
		if i == len(s) {
			return true
		}
	}
	return false
}

func distinct(s string) int {
	var seen [256]bool
	n := 0
	for i := 0; i < len(s); i++ {
		if !seen[s[i]] {
			seen[s[i]] = true
			n++
		}
	}
	return n
}

// Entropy returns the Shannon entropy of s in bits per byte.
func Entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	n := float64(len(s))
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// charClasses counts which of lower, upper, digit and other bytes occur.
func charClasses(s string) int {
	var lo, up, di, ot int
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z':
			lo = 1
		case 'A' <= c && c <= 'Z':
			up = 1
		case '0' <= c && c <= '9':
			di = 1
		default:
			ot = 1
		}
	}
	return lo + up + di + ot
}

// validPEMBody wants at least 64 base64 bytes in a PEM body.
func validPEMBody(_, secret string) bool {
	n := 0
	for i := 0; i < len(secret); i++ {
		c := secret[i]
		if c == '\\' && i+1 < len(secret) && (secret[i+1] == 'n' || secret[i+1] == 'r') {
			i++
			continue
		}
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' {
			n++
		}
	}
	return n >= 64
}

// validJWT wants a header that is a JSON object with "alg", a payload that
// is JSON, and a payload that is no public Supabase anon key.
func validJWT(_, secret string) bool {
	parts := strings.SplitN(secret, ".", 3)
	if len(parts) != 3 {
		return false
	}
	hdr, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	if err != nil {
		return false
	}
	var h map[string]any
	if json.Unmarshal(hdr, &h) != nil {
		return false
	}
	if _, ok := h["alg"]; !ok {
		return false
	}
	pl, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return false
	}
	var p map[string]any
	if json.Unmarshal(pl, &p) != nil {
		return false
	}
	if role, _ := p["role"].(string); role == "anon" {
		return false
	}
	alg, _ := h["alg"].(string)
	return !signedWithExampleKey(alg, parts)
}

// exampleHMACKeys are the keys of the HMAC-signed JWTs in tutorials and
// README files (jwt.io's "your-256-bit-secret", PyJWT's "secret", ...).
var exampleHMACKeys = []string{
	"secret", "your-256-bit-secret", "your-384-bit-secret", "your-512-bit-secret",
	"key", "secretkey", "secret-key", "secret_key", "mysecret", "my-secret", "my_secret",
	"changeme", "password", "shhhhh", "shhhhhared-secret", "supersecret",
}

// signedWithExampleKey reports whether an HS256/384/512 JWT's signature
// checks out with a well-known example key: such a token was made for a
// document or a test, and anyone can forge it anyway.
func signedWithExampleKey(alg string, parts []string) bool {
	var newHash func() hash.Hash
	switch alg {
	case "HS256":
		newHash = sha256.New
	case "HS384":
		newHash = sha512.New384
	case "HS512":
		newHash = sha512.New
	default:
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[2], "="))
	if err != nil {
		return false
	}
	signed := []byte(parts[0] + "." + parts[1])
	for _, k := range exampleHMACKeys {
		m := hmac.New(newHash, []byte(k))
		m.Write(signed)
		if hmac.Equal(m.Sum(nil), sig) {
			return true
		}
	}
	return false
}

// urlPassStop are passwords that only stand for a password, or the
// well-known defaults of development containers.
var urlPassStop = map[string]bool{
	"password": true, "pass": true, "passwd": true, "pwd": true, "pw": true, "secret": true,
	"root": true, "admin": true, "user": true, "guest": true, "postgres": true, "mysql": true,
	"redis": true, "mongo": true, "rabbitmq": true, "token": true, "apikey": true, "foo": true,
	"bar": true, "foobar": true, "none": true, "null": true, "empty": true, "private": true,
	"yourpassword": true, "mypassword": true, "pa55word": true, "p@ssw0rd": true,
	"p4ssw0rd": true, "passw0rd": true, "password1": true, "password123": true, "secret123": true,
	"hunter2": true, "letmein": true, "qwerty": true, "123456": true, "12345678": true,
	"hello": true, "world": true, "opensesame": true, "xyzzy": true, "s3cr3t": true,
}

// weakPassWords are what a password stands for once it is percent-decoded,
// lower-cased, de-leeted and cut to its letters ("pa%2Fssword",
// "p@ssw0rd", "My%20Pass"); a password equal to or ending in one of them
// ("env_pass", "keepthissecret") names a password instead of being one.
var weakPassWords = []string{"password", "passwd", "pasword", "pass", "secret", "geheim"}

// namesPassword reports whether a URL or credentials-file password is a
// spelled-out or obfuscated stand-in for the word password.
func namesPassword(p string) bool {
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '@', '4':
			c = 'a'
		case '0':
			c = 'o'
		case '1', '!':
			c = 'i'
		case '3':
			c = 'e'
		case '$', '5':
			c = 's'
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'a' <= c && c <= 'z' {
			b.WriteByte(c)
		}
	}
	n := b.String()
	if urlPassStop[n] {
		return true
	}
	for _, w := range weakPassWords {
		if strings.HasSuffix(n, w) {
			return true
		}
	}
	return false
}

// exampleHosts are documentation hosts (RFC 2606): credentials in URLs to
// them are examples.
var exampleHosts = []string{"@example.com", "@example.org", "@example.net", "@www.example.", ".example/", ".example:", ".invalid"}

// placeholderHostWords are host name labels (split at '.', '-' and '_')
// that say the host is made up for a test or a document; a label may also
// start with one of the first two ("faketld", "dummyhost").
var placeholderHostWords = []string{"fake", "dummy", "example", "bogus", "placeholder", "invalid"}

// placeholderHost reports whether the host after the userinfo of a URL
// match is a documentation or made-up one: example.com and its kin, the
// RFC 2606 and RFC 6761 names (.example, .invalid, .test), or a name that
// says it is fake ("dummy.faketld", "non-existant-host", "www.bogus.net").
func placeholderHost(match string) bool {
	i := strings.LastIndexByte(match, '@')
	if i < 0 {
		return false
	}
	h := strings.ToLower(match[i+1:])
	if j := strings.IndexAny(h, ":/?#"); j >= 0 {
		h = h[:j]
	}
	for _, tld := range []string{".example", ".invalid", ".test"} {
		if strings.HasSuffix(h, tld) {
			return true
		}
	}
	if strings.Contains(h, "nonexist") || strings.Contains(h, "non-exist") {
		return true
	}
	for _, label := range strings.FieldsFunc(h, func(r rune) bool { return r == '.' || r == '-' || r == '_' }) {
		for i, w := range placeholderHostWords {
			if label == w || i < 2 && strings.HasPrefix(label, w) {
				return true
			}
		}
	}
	return false
}

// validURLPassword rejects placeholder and default passwords in URLs and
// credentials files, and any password of a URL to a made-up host.
func validURLPassword(match, secret string) bool {
	if urlPassStop[strings.ToLower(secret)] || namesPassword(secret) {
		return false
	}
	lm := strings.ToLower(match)
	for _, h := range exampleHosts {
		if strings.Contains(lm, h) {
			return false
		}
	}
	if placeholderHost(match) {
		return false
	}
	switch secret[0] {
	case '$', '%', '{', '*', '[':
		return false
	}
	return true
}

// validDockerAuth wants base64 of "user:password" with a real password.
func validDockerAuth(_, secret string) bool {
	b, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(secret, "="))
		if err != nil {
			return false
		}
	}
	i := bytes.IndexByte(b, ':')
	if i <= 0 || i == len(b)-1 {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	pass := string(b[i+1:])
	return !IsPlaceholder(pass) && validURLPassword("", pass)
}

// genericKeyStop are key-name fragments that mark a setting about a secret
// (its file, length, type, hash...) rather than the secret itself. Keys are
// compared in snake case (camelCase split, '-' and '.' turned into '_'); a
// fragment with a leading or trailing '_' must match whole words of the
// key ("min_" matches password_min_length, not admin_password), one ending
// in '$' must end the key (secret_store names a store, key_store_password
// is a password), one without either is a substring.
var genericKeyStop = []string{
	// Pagination, idempotency and change tokens of cloud APIs (AWS's
	// NextToken, ClientRequestToken, ChangeToken...): opaque but public.
	"next_token", "_continuation", "continuation_token", "page_token", "_pagination", "pagination_token",
	"client_request_token", "change_token", "update_token", "sync_token", "lifecycle_action_token", "_marker",
	"_last_used", "_last_changed", "_filename", "_directory",
	"hash", "digest", "checksum", "sha1", "sha256", "sha512", "md5", "fingerprint",
	"_file", "file_", "_path", "path_", "_dir", "_url", "_uri", "_env", "_name", "name_",
	"_type", "_length", "_len", "_size", "min_", "_min", "max_", "_max", "num_", "_count",
	"_limit", "_policy", "_prompt", "_label", "_field", "_header", "_param", "_id", "_endpoint",
	"expir", "_ttl", "_timeout", "_regex", "_pattern", "_format", "_mode", "_hint", "_version",
	"enabled", "enable_", "_required", "_reset", "_validation", "_placeholder", "_rotation",
	"_ref", "_algorithm", "public", "_template", "_provider$", "_store$", "_backend$",
	"_manager$", "_service$", "_key_id", "_prefix", "_suffix", "_location", "_source", "_lifetime",
	"_secret_name", "_strength", "_complexity", "_input", "_change", "_confirm", "forgot",
	"_encoding", "_encrypted", "_salt_rounds", "_cost", "_retries", "_attempts", "_method",
	"tokenizer", "_tokens", "tokens_", "_encryption",
	// Values a key exchange derives (HPKE and TLS test vectors), never
	// configured.
	"exporter_secret",
}

// genericValueStop are value fragments that name a secret instead of
// being one.
var genericValueStop = []string{
	"password", "passwd", "secret", "token", "apikey", "api_key", "credential", "undefined",
	"required", "optional", "string", "process.env", "os.environ", "getenv", "vault:", "arn:aws",
	"file:", "env:", "ref+", "sm://", "awssm", "keyvault", "secretsmanager",
	// "secret" and "password" in other languages.
	"geheim", "passwort", "contrase", "motdepasse",
}

var (
	identifierRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(?:[.:\[\]\-][A-Za-z_][A-Za-z0-9_]*)*\]?$`)
	upperNameRe  = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
)

var (
	versionRe = regexp.MustCompile(`^v?[0-9]+\.[0-9]+`)
	// dottedRe is a member reference: exports2.TOKEN, modadvapi32.NewProc.
	// An index may follow each part: StreamDescription.Shards[-1].ShardId.
	dottedRe = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(?:\[-?[0-9]+\])?(?:\.[A-Za-z_$][A-Za-z0-9_$]*(?:\[-?[0-9]+\])?)+$`)
	// filePathRe is a relative file path: google/appengine/api/x_pb.php.
	filePathRe = regexp.MustCompile(`^[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)+\.[A-Za-z]{1,5}$`)
)

// validGenericValue gates the generic assignment rules.
func validGenericValue(match, secret string) bool {
	k := snakeKey(genericKey(match))
	if genericKeyStopped(k) {
		return false
	}
	// A date: "PasswordLastUsed": "2016-09-19T...".
	if dateRe.MatchString(secret) {
		return false
	}
	// secretID, token_ids: an identifier of a secret, not the secret;
	// "tokens" counts or lists them.
	if strings.HasSuffix(k, "id") || strings.HasSuffix(k, "ids") || strings.HasSuffix(k, "tokens") ||
		strings.HasSuffix(k, "secrets") || strings.HasSuffix(k, "passwords") {
		return false
	}
	// Code and patterns rather than values: template literals, escapes,
	// anchored regexes, versions; prose ends in punctuation.
	if strings.ContainsAny(secret, "`\\") || secret[0] == '^' || versionRe.MatchString(secret) ||
		dottedRe.MatchString(secret) || filePathRe.MatchString(secret) {
		return false
	}
	// A query string: "agabcdefddddafdd&callback=cb" holds an example
	// value before its first '&'.
	if i := strings.IndexByte(secret, '&'); i > 0 && strings.IndexByte(secret[i:], '=') > 0 && IsPlaceholder(secret[:i]) {
		return false
	}
	// A JWT the JWT rule turned down (an anon key, one signed with an
	// example key) is no generic secret either.
	if strings.HasPrefix(secret, "eyJ") && strings.Count(secret, ".") == 2 && !validJWT(match, secret) {
		return false
	}
	secret = strings.TrimRight(secret, ":.,;!?")
	if secret == "" {
		return false
	}
	switch secret[0] {
	// ':' follows a scope operator: stop_token::_Stop_state_ref.
	case '$', '%', '@', '/', '~', '!', '&', '*', '#', '(', '[', '{', '=', '\\', '+', '|', '?', ':':
		return false
	}
	// A regex (".*", ".+") or a spelled-out password ("P4ssword").
	if strings.Contains(secret, ".*") || strings.Contains(secret, ".+") || namesPassword(secret) {
		return false
	}
	// Parentheses mark a call, unless the value is a quoted literal of one
	// word (Django's SECRET_KEY alphabet has them).
	quoted := len(match) > 0 && (match[len(match)-1] == '"' || match[len(match)-1] == '\'')
	if strings.HasPrefix(secret, "./") || strings.Contains(secret, "://") || strings.ContainsAny(secret, " \t") ||
		!quoted && strings.ContainsAny(secret, "()") {
		return false
	}
	// A Windows path: C:/foo/bar, D:\data.
	if len(secret) >= 3 && secret[1] == ':' && (secret[2] == '/' || secret[2] == '\\') &&
		('a' <= secret[0]|0x20 && secret[0]|0x20 <= 'z') {
		return false
	}
	if charClasses(secret) < 2 || upperNameRe.MatchString(secret) {
		return false
	}

	l := strings.ToLower(secret)
	for _, w := range genericValueStop {
		if strings.Contains(l, w) {
			return false
		}
	}
	// A dotted reference such as config.db.password or a Helm value path.
	if strings.Count(secret, ".") >= 2 && onlyIdentChars(secret) && !hasDigitAndLetter(strings.ReplaceAll(secret, ".", "")) {
		return false
	}
	return true
}

// genericKeyStopped reports whether a key name (any case) names a setting
// about a secret rather than the secret (see genericKeyStop).
func genericKeyStopped(key string) bool {
	k := snakeKey(key)
	padded := "_" + k + "_"
	for _, w := range genericKeyStop {
		if suf, ok := strings.CutSuffix(w, "$"); ok {
			if strings.HasSuffix(padded, suf+"_") {
				return true
			}
			continue
		}
		if w[0] == '_' || w[len(w)-1] == '_' {
			if strings.Contains(padded, "_"+strings.Trim(w, "_")+"_") {
				return true
			}
		} else if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// dateRe is an ISO date at the start of a value.
var dateRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}`)

// snakeKey lower-cases a key name into snake case: "ClientRequestToken"
// and "client-request.token" both become "client_request_token".
func snakeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '-' || c == '.':
			c = '_'
		case 'A' <= c && c <= 'Z':
			if i > 0 && ('a' <= key[i-1] && key[i-1] <= 'z' || '0' <= key[i-1] && key[i-1] <= '9') {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// validTerraformDefault checks a Terraform variable default as a generic
// assignment of the variable's name.
func validTerraformDefault(match, secret string) bool {
	name := match
	if i := strings.IndexByte(match, '"'); i >= 0 {
		name = match[i+1:]
		if j := strings.IndexByte(name, '"'); j >= 0 {
			name = name[:j]
		}
	}
	return validGenericValue(name+" = "+secret, secret)
}

// validPHPDefine checks the name of a define()d constant like a generic
// key; the value may hold any character (WordPress salts do).
func validPHPDefine(match, secret string) bool {
	name := match
	if i := strings.IndexAny(match, `'"`); i >= 0 {
		name = match[i+1:]
		if j := strings.IndexAny(name, `'"`); j >= 0 {
			name = name[:j]
		}
	}
	if genericKeyStopped(name) || secret[0] == '$' || namesPassword(secret) {
		return false
	}
	// Salts hold '<' and '>': only a whole "<...>" is a placeholder.
	v := secret
	if !strings.HasPrefix(v, "<") {
		v = strings.NewReplacer("<", "", ">", "").Replace(v)
	}
	if IsPlaceholder(v) {
		return false
	}
	// Prose ("put your unique phrase here") and stand-ins ("password_here").
	l := strings.ToLower(secret)
	if strings.Trim(l, "abcdefghijklmnopqrstuvwxyz ") == "" && strings.Contains(l, " ") {
		return false
	}
	for _, w := range genericValueStop {
		if strings.Contains(l, w) {
			return false
		}
	}
	return true
}

// genericKey pulls the key name out of a generic rule's whole match.
func genericKey(match string) string {
	m := strings.TrimLeft(match, " \t\r\n\"'{(,;")
	for _, p := range []string{"ENV ", "ARG ", "env ", "arg "} {
		m = strings.TrimPrefix(m, p)
	}
	m = strings.TrimLeft(m, " \t")
	end := strings.IndexAny(m, "=: \t\"'?")
	if end < 0 {
		return m
	}
	return m[:end]
}

// identifierValue reports whether a generic value is a name (an
// identifier without digits, or the next key of a list: "password=
// scmVersion="). In code it is a reference to the secret; in a
// configuration file or ENV text values are literals, so only a name made
// of words (readsAsWords) is taken for a reference there.
func identifierValue(secret string, literal bool) bool {
	id, next := strings.CutSuffix(secret, "=")
	if !identifierRe.MatchString(id) || hasDigitAndLetter(id) {
		return false
	}
	return next || !literal || readsAsWords(id)
}

// readsAsWords reports whether an identifier splits (at '_', '-', '.',
// ':' and camelCase boundaries) into words of 3 letters or more that each
// hold a vowel, or short all-capital acronyms: "currentUserPassword",
// "db_admin_user", "getHTTPClient". Random letters ("ZGqdKWQHwjBMFGRS")
// break into short or vowel-less parts.
func readsAsWords(id string) bool {
	var parts []string
	start := 0
	isUp := func(c byte) bool { return 'A' <= c && c <= 'Z' }
	isLo := func(c byte) bool { return 'a' <= c && c <= 'z' }
	for i := 0; i <= len(id); i++ {
		if i == len(id) || id[i] == '_' || id[i] == '-' || id[i] == '.' || id[i] == ':' {
			if i > start {
				parts = append(parts, id[start:i])
			}
			start = i + 1
			continue
		}
		// camelCase: before an upper-case letter that follows a lower-case
		// one, or that starts a word after an acronym (HTTPClient).
		if i > start && isUp(id[i]) && (isLo(id[i-1]) || isUp(id[i-1]) && i+1 < len(id) && isLo(id[i+1])) {
			parts = append(parts, id[start:i])
			start = i
		}
	}
	acronyms := 0
	for _, p := range parts {
		if strings.ToUpper(p) == p && len(p) <= 5 {
			// An acronym; names hold one at most ("getHTTPClient").
			if acronyms++; acronyms > 1 {
				return false
			}
			continue
		}
		if len(p) < 3 || !strings.ContainsAny(strings.ToLower(p), "aeiouy") {
			return false
		}
		// A word has at most its first letter in upper case.
		if strings.ToLower(p[1:]) != p[1:] {
			return false
		}
	}
	return len(parts) > 0
}

// literalPath reports whether values in the file at p (or in ENV and
// other text) are literals rather than code: configuration files.
func literalPath(p string, text bool) bool {
	if text {
		return true
	}
	base := path.Base(p)
	if strings.HasPrefix(base, ".env") || strings.HasSuffix(base, ".env") {
		return true
	}
	switch strings.ToLower(path.Ext(base)) {
	case ".ini", ".cfg", ".conf", ".cnf", ".properties", ".toml", ".yaml", ".yml", ".env", ".tfvars", ".json":
		return true
	}
	return false
}

func hasDigitAndLetter(s string) bool {
	var d, l bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		if '0' <= c && c <= '9' {
			d = true
		} else if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			l = true
		}
	}
	return d && l
}

func onlyIdentChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func itoa(n int) string     { return strconv.Itoa(n) }
func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
