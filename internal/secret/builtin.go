package secret

import (
	"regexp"
	"strings"
	"sync"

	"github.com/bulkhead-sec/bulkhead/internal/finding"
)

// Categories of the built-in rules; each becomes a finding tag.
const (
	CatCloud       = "cloud"
	CatVCS         = "vcs"
	CatChat        = "chat"
	CatPayment     = "payment"
	CatSaaS        = "saas"
	CatPrivateKey  = "private-key"
	CatJWT         = "jwt"
	CatURL         = "url"
	CatCredentials = "credentials-file"
	CatGeneric     = "generic"
)

// tokenEntropy is the default entropy floor of token-format rules: a random
// token is far above it, a run of x's or a repeated pattern far below.
const tokenEntropy = 3.0

// Fragments shared by several patterns.
const (
	// urlUser and urlPass are the userinfo parts of a URL.
	urlUser = `[^\s:@/?#"'<>\\]{0,128}`
	urlPass = `(?P<secret>[^\s:@/?#"'<>\\]{3,128})`
	// tokEnd ends a token whose alphabet includes '-' and '_'.
	tokEnd = `(?:[^A-Za-z0-9_\-]|$)`
	// pemBody is a PEM body: optional RFC 1421 headers, then base64 lines,
	// with real or JSON-escaped ("\n") line breaks.
	pemBody = `(?:\s|\\[rn])*(?:[A-Za-z][A-Za-z\-]*:[^\r\n\\]*(?:\r?\n|\\r?\\n))*(?:\s|\\[rn])*` +
		`(?P<secret>[A-Za-z0-9+/=](?:[A-Za-z0-9+/=\r\n \t]|\\[rn])*)`
)

var builtins = sync.OnceValue(buildBuiltins)

// Builtins returns a fresh copy of bulkhead's built-in rules, in a stable
// order. The compiled regexes are shared (they are safe for concurrent use).
func Builtins() []Rule {
	src := builtins()
	out := make([]Rule, len(src))
	for i := range src {
		out[i] = src[i]
		out[i].Keywords = append([]string(nil), src[i].Keywords...)
		out[i].secretIdx = append([]int(nil), src[i].secretIdx...)
	}
	return out
}

func rx(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// tok is a token-format rule with the default entropy floor. When the
// pattern starts with the token itself, the keyword sits at (or within a few
// bytes of) the match start, so the window around a keyword hit is cut to
// tokenBefore bytes before it and tokenAfter after it instead of the line.
func tok(id, title string, sev finding.Severity, cat string, kws []string, re string) Rule {
	r := Rule{ID: id, Title: title, Severity: sev, Category: cat, Keywords: kws, MinEntropy: tokenEntropy}
	if strings.HasPrefix(re, `\b(?P<secret>`) {
		re = strings.TrimPrefix(re, `\b`)
		r.leftBoundary = true
	}
	if strings.HasPrefix(re, `(?P<secret>`) {
		r.Before, r.After = tokenBefore, tokenAfter
	}
	r.Regex = rx(re)
	return r
}

// Windows of token rules: the keyword is at most tokenBefore bytes into the
// token (Mailchimp's "-us" after 32 hex digits is the farthest), and no
// token but the long JWT-like ones runs past tokenAfter bytes.
const (
	tokenBefore = 48
	tokenAfter  = 512
)

func pem(id, title, label string, kws ...string) Rule {
	return Rule{
		ID: id, Title: title, Severity: finding.Critical, Category: CatPrivateKey,
		Keywords: kws, Regex: rx(`-----BEGIN ` + label + `-----` + pemBody),
		Multiline: true, MinLen: 64, Validate: validPEMBody,
		Description: "A PEM block `-----BEGIN " + label + "-----` followed by at least 64 bytes of base64 body (real or JSON-escaped line breaks).",
	}
}

func urlRule(id, title, schemes string, kws ...string) Rule {
	return Rule{
		ID: id, Title: title, Severity: finding.High, Category: CatURL, Keywords: kws,
		Regex:    rx(`\A(?i:` + schemes + `)://` + urlUser + `:` + urlPass + `@[^\s/"'<>\\]+`),
		Validate: validURLPassword, anchored: true, leftBoundary: true, After: 512,
		Description: "A `" + schemes + "` URL whose user information carries a password " +
			"(`scheme://user:password@host`); placeholders and well-known defaults are allowed.",
	}
}

func withSeverity(r Rule, sev finding.Severity) Rule {
	r.Severity = sev
	return r
}

func withValidate(r Rule, v func(match, secret string) bool) Rule {
	r.Validate, r.NoPlaceholderCheck = v, true
	return r
}

func withWindow(r Rule, before, after int) Rule {
	r.Before, r.After = before, after
	return r
}

func pathRx(ps ...string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(ps))
	for i, p := range ps {
		out[i] = rx(p)
	}
	return out
}

// generic builds a generic assignment rule for key names containing one of
// names (a regex alternation).
func generic(id, title, names string, minLen int, minEntropy float64, kws ...string) Rule {
	key := `(?i:` + names + `)[A-Za-z0-9_.\-]*`
	// \A stays outside the alternation: Go only treats a regex as anchored
	// (one attempt at the window start) when \A comes first.
	re := `\A` + key + `(?:["']?[ \t]*(?:=|:=|=>|:|\?=)[ \t]*` +
		`(?:["'](?P<secret>[^"'\r\n]+)["']|(?P<secret>[^\s"'` + "`" + `,;(){}\[\]<>]+))` +
		`|[ \t]+["']?(?P<secret>[^\s"']+))`
	return Rule{
		ID: id, Title: title, Severity: finding.Medium, Category: CatGeneric, Keywords: kws,
		Regex: rx(re), MinLen: minLen, MinEntropy: minEntropy, Priority: PriorityGeneric,
		Validate: validGenericValue, anchored: true, generic: true, maxLen: maxGenericValue,
		// A value is at most maxGenericValue bytes; a key name at most 64.
		After: 384,
		Description: "An assignment (`=`, `:`, `:=`, `=>`, `?=`, or Dockerfile `ENV`/`ARG` with a blank) to a key whose name contains " +
			"`" + names + "`, in env files, YAML, JSON, properties, shell and Dockerfiles. The value must be " +
			itoa(minLen) + " to " + itoa(maxGenericValue) + " bytes long, mix at least two character classes, reach " + ftoa(minEntropy) +
			" bits of entropy per byte, and be no reference (`${VAR}`, `$(cmd)`, a path, a URL, an identifier); keys that name a " +
			"setting about the secret (`*_FILE`, `*_LENGTH`, `*_HASH`, `token_type`, ...) are skipped.",
	}
}

// maxGenericValue bounds the value of a generic assignment.
const maxGenericValue = 256

func buildBuiltins() []Rule {
	rs := []Rule{
		// ---- cloud ----
		tok("BH-SEC-AWS-ACCESS-KEY-ID", "AWS access key ID", finding.High, CatCloud,
			[]string{"akia", "asia", "abia", "acca"},
			`\b(?P<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b`),
		{
			ID: "BH-SEC-AWS-SECRET-ACCESS-KEY", Title: "AWS secret access key", Severity: finding.Critical, Category: CatCloud,
			Keywords: []string{"secret_access_key", "secretaccesskey", "secret-access-key", "secret.access.key", "akia", "asia"},
			Regex: rx(`(?i:aws)?[_.\-]?(?i:secret)[_.\-]?(?i:access)[_.\-]?(?i:key)["']?[ \t]*(?:=|:=|=>|:)[ \t]*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)` +
				`|\b(?:AKIA|ASIA)[A-Z2-7]{16}["']?[ \t]*[,;:|\t ][ \t]*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`),
			MinEntropy:  3.5,
			Description: "A 40-character secret access key, only where it is assigned to an `aws_secret_access_key`-like name or written right after an access key ID (CSV exports, `key:secret` pairs).",
		},
		{
			ID: "BH-SEC-AWS-SESSION-TOKEN", Title: "AWS session token", Severity: finding.High, Category: CatCloud,
			Keywords:   []string{"session_token", "sessiontoken", "session-token"},
			Regex:      rx(`(?i:aws[_.\-]?session[_.\-]?token|"sessiontoken")["']?[ \t]*(?:=|:)[ \t]*["']?(?P<secret>[A-Za-z0-9/+=]{100,})`),
			MinEntropy: 4.0,
		},
		tok("BH-SEC-AWS-MWS-KEY", "Amazon MWS auth token", finding.High, CatCloud, []string{"amzn.mws."},
			`(?P<secret>amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`),
		{
			ID: "BH-SEC-GCP-SERVICE-ACCOUNT", Title: "GCP service account key file", Severity: finding.Critical, Category: CatCloud,
			Keywords: []string{"service_account"}, Multiline: true, After: 16 << 10, Priority: PrioritySpecific,
			Regex:       rx(`"type"\s*:\s*"service_account"[\s\S]*?"private_key"\s*:\s*"(?P<secret>-----BEGIN[^"]{64,})"`),
			Description: "A service-account JSON key: `\"type\": \"service_account\"` followed by a `\"private_key\"` holding a PEM key.",
		},
		tok("BH-SEC-GCP-API-KEY", "Google API key", finding.High, CatCloud, []string{"aiza"},
			`\b(?P<secret>AIza[0-9A-Za-z_\-]{35})`+tokEnd),
		tok("BH-SEC-GCP-OAUTH-CLIENT-SECRET", "Google OAuth client secret", finding.High, CatCloud, []string{"gocspx-"},
			`\b(?P<secret>GOCSPX-[0-9A-Za-z_\-]{28})`+tokEnd),
		{
			ID: "BH-SEC-AZURE-STORAGE-CONNECTION-STRING", Title: "Azure storage connection string", Severity: finding.Critical, Category: CatCloud,
			Keywords: []string{"defaultendpointsprotocol"}, Priority: PrioritySpecific, MinEntropy: 4.0,
			Regex: rx(`(?i)DefaultEndpointsProtocol=https?;AccountName=[a-z0-9]+;AccountKey=(?P<secret>[a-z0-9+/]{86}==)`),
		},
		{
			ID: "BH-SEC-AZURE-STORAGE-ACCOUNT-KEY", Title: "Azure storage account key", Severity: finding.Critical, Category: CatCloud,
			Keywords: []string{"accountkey", "azure"}, MinEntropy: 4.0,
			Regex:       rx(`(?i)(?:AccountKey[ \t]*=[ \t]*|azure[_.\-]?storage[_.\-]?(?:account[_.\-]?)?(?:access[_.\-]?)?key["']?[ \t]*(?:=|:)[ \t]*["']?)(?P<secret>[a-z0-9+/]{86}==)`),
			Description: "An 88-character base64 storage key after `AccountKey=` or assigned to an `AZURE_STORAGE_KEY`-like name.",
		},
		{
			ID: "BH-SEC-AZURE-SAS-TOKEN", Title: "Azure shared access signature", Severity: finding.High, Category: CatCloud,
			Keywords: []string{"sig="}, Before: 768, MinEntropy: 3.5,
			Regex: rx(`(?:^|[?&"'\s])sv=\d{4}-\d{2}-\d{2}&[^\s"'<>]{0,512}?\bsig=(?P<secret>[A-Za-z0-9%+/=]{40,100})`),
		},
		tok("BH-SEC-AZURE-AD-CLIENT-SECRET", "Azure AD (Entra ID) client secret", finding.High, CatCloud, []string{"0q~", "1q~", "2q~", "3q~", "4q~", "5q~", "6q~", "7q~", "8q~", "9q~"},
			`(?:^|[^A-Za-z0-9_~.\-])(?P<secret>[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:[^A-Za-z0-9_~.\-]|$)`),
		{
			ID: "BH-SEC-AZURE-SHARED-ACCESS-KEY", Title: "Azure Service Bus / Event Hubs shared access key", Severity: finding.High, Category: CatCloud,
			Keywords: []string{"sharedaccesskey="}, MinEntropy: 4.0, Priority: PrioritySpecific,
			Regex: rx(`(?i)Endpoint=sb://[^;\s]+;SharedAccessKeyName=[^;\s]+;SharedAccessKey=(?P<secret>[a-z0-9+/]{43}=)`),
		},
		tok("BH-SEC-ALIBABA-ACCESS-KEY-ID", "Alibaba Cloud AccessKey ID", finding.High, CatCloud, []string{"ltai"},
			`\b(?P<secret>LTAI[A-Za-z0-9]{20})\b`),

		// ---- version control ----
		tok("BH-SEC-GITHUB-PAT", "GitHub personal access token (classic)", finding.Critical, CatVCS, []string{"ghp_"},
			`\b(?P<secret>ghp_[A-Za-z0-9]{36})\b`),
		tok("BH-SEC-GITHUB-FINE-GRAINED-PAT", "GitHub fine-grained personal access token", finding.Critical, CatVCS, []string{"github_pat_"},
			`\b(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`),
		tok("BH-SEC-GITHUB-APP-TOKEN", "GitHub App installation or user-to-server token", finding.High, CatVCS, []string{"ghs_", "ghu_"},
			`\b(?P<secret>gh[su]_[A-Za-z0-9]{36})\b`),
		tok("BH-SEC-GITHUB-OAUTH-TOKEN", "GitHub OAuth access token", finding.High, CatVCS, []string{"gho_"},
			`\b(?P<secret>gho_[A-Za-z0-9]{36})\b`),
		tok("BH-SEC-GITHUB-REFRESH-TOKEN", "GitHub refresh token", finding.High, CatVCS, []string{"ghr_"},
			`\b(?P<secret>ghr_[A-Za-z0-9]{36,76})\b`),
		tok("BH-SEC-GITLAB-PAT", "GitLab personal access token", finding.Critical, CatVCS, []string{"glpat-"},
			`\b(?P<secret>glpat-[A-Za-z0-9_\-]{20,64}(?:\.[0-9a-z]{2}\.[0-9a-z]{7,9})?)`+tokEnd),
		tok("BH-SEC-GITLAB-RUNNER-TOKEN", "GitLab runner token", finding.High, CatVCS, []string{"glrt-", "gr1348941"},
			`\b(?P<secret>glrt-[A-Za-z0-9_\-]{20,64}|GR1348941[A-Za-z0-9_\-]{20})`+tokEnd),
		tok("BH-SEC-GITLAB-DEPLOY-TOKEN", "GitLab deploy token", finding.High, CatVCS, []string{"gldt-"},
			`\b(?P<secret>gldt-[A-Za-z0-9_\-]{20,64})`+tokEnd),
		tok("BH-SEC-GITLAB-TRIGGER-TOKEN", "GitLab pipeline trigger token", finding.Medium, CatVCS, []string{"glptt-"},
			`\b(?P<secret>glptt-[0-9a-f]{40})\b`),
		tok("BH-SEC-BITBUCKET-APP-PASSWORD", "Bitbucket / Atlassian app password", finding.High, CatVCS, []string{"atbb"},
			`\b(?P<secret>ATBB[A-Za-z0-9_=.\-]{28,64})(?:[^A-Za-z0-9_=.\-]|$)`),

		// ---- chat ----
		tok("BH-SEC-SLACK-BOT-TOKEN", "Slack bot token", finding.High, CatChat, []string{"xoxb-"},
			`\b(?P<secret>xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34})\b`),
		tok("BH-SEC-SLACK-USER-TOKEN", "Slack user token", finding.High, CatChat, []string{"xoxp-", "xoxe-"},
			`\b(?P<secret>xox[pe]-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{28,34})\b`),
		tok("BH-SEC-SLACK-APP-TOKEN", "Slack app-level token", finding.High, CatChat, []string{"xapp-"},
			`\b(?P<secret>xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,14}-[a-z0-9]{60,66})\b`),
		tok("BH-SEC-SLACK-LEGACY-TOKEN", "Slack legacy or workspace token", finding.High, CatChat, []string{"xoxa-", "xoxo-", "xoxr-", "xoxs-"},
			`\b(?P<secret>xox[aors]-[0-9A-Za-z\-]{20,150})\b`),
		tok("BH-SEC-SLACK-WEBHOOK", "Slack incoming webhook URL", finding.Medium, CatChat, []string{"hooks.slack.com"},
			`hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>T[A-Z0-9]{8,12}/[AB][A-Z0-9]{8,12}/[A-Za-z0-9]{20,32})`),
		tok("BH-SEC-DISCORD-BOT-TOKEN", "Discord bot token", finding.High, CatChat, []string{"discord"},
			`(?i:discord)[^\r\n]{0,64}?\b(?P<secret>[MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38})`+tokEnd),
		tok("BH-SEC-DISCORD-WEBHOOK", "Discord webhook URL", finding.Medium, CatChat, []string{"/api/webhooks/"},
			`discord(?:app)?\.com/api/webhooks/(?P<secret>[0-9]{17,20}/[A-Za-z0-9_\-]{60,68})`+tokEnd),
		tok("BH-SEC-TELEGRAM-BOT-TOKEN", "Telegram bot token", finding.High, CatChat, []string{":aa"},
			`(?:^|[^0-9])(?P<secret>[0-9]{8,10}:AA[A-Za-z0-9_\-]{33})`+tokEnd),
		tok("BH-SEC-MSTEAMS-WEBHOOK", "Microsoft Teams incoming webhook URL", finding.Medium, CatChat, []string{"webhook.office.com"},
			`https://[a-z0-9\-]+\.webhook\.office\.com/webhookb2/(?P<secret>[a-f0-9\-]{36}@[a-f0-9\-]{36}/IncomingWebhook/[a-f0-9]{32}/[a-f0-9\-]{36})`),

		// ---- payments ----
		tok("BH-SEC-STRIPE-SECRET-KEY", "Stripe live secret key", finding.Critical, CatPayment, []string{"sk_live_"},
			`\b(?P<secret>sk_live_[A-Za-z0-9]{24,99})\b`),
		tok("BH-SEC-STRIPE-RESTRICTED-KEY", "Stripe live restricted key", finding.High, CatPayment, []string{"rk_live_"},
			`\b(?P<secret>rk_live_[A-Za-z0-9]{24,99})\b`),
		// Test-mode keys move no money but read and write the account's
		// test data and show a live integration's code paths: LOW.
		withValidate(tok("BH-SEC-STRIPE-TEST-KEY", "Stripe test-mode secret or restricted key", finding.Low, CatPayment, []string{"sk_test_", "rk_test_"},
			`\b(?P<secret>[sr]k_test_[A-Za-z0-9]{24,99})\b`), func(_, s string) bool {
			// The prefix holds "test": only the random part is checked.
			return !knownExamples[s] && !IsPlaceholder(s[len("sk_test_"):])
		}),
		tok("BH-SEC-STRIPE-WEBHOOK-SECRET", "Stripe webhook signing secret", finding.Medium, CatPayment, []string{"whsec_"},
			`\b(?P<secret>whsec_[A-Za-z0-9+/]{32,64})`),
		tok("BH-SEC-SQUARE-ACCESS-TOKEN", "Square access token", finding.Critical, CatPayment, []string{"eaaa", "sq0atp-"},
			`\b(?P<secret>EAAA[A-Za-z0-9_\-]{60}|sq0atp-[A-Za-z0-9_\-]{22})`+tokEnd),
		tok("BH-SEC-SQUARE-OAUTH-SECRET", "Square OAuth application secret", finding.High, CatPayment, []string{"sq0csp-"},
			`\b(?P<secret>sq0csp-[A-Za-z0-9_\-]{43})`+tokEnd),
		tok("BH-SEC-BRAINTREE-ACCESS-TOKEN", "PayPal Braintree production access token", finding.Critical, CatPayment, []string{"access_token$production$"},
			`(?P<secret>access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})`),
		tok("BH-SEC-PLAID-ACCESS-TOKEN", "Plaid production access token", finding.High, CatPayment, []string{"access-production-"},
			`\b(?P<secret>access-production-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b`),

		// ---- SaaS and registries ----
		tok("BH-SEC-TWILIO-API-KEY", "Twilio API key", finding.High, CatSaaS, []string{"twilio"},
			`(?i:twilio)[^\r\n]{0,64}?\b(?P<secret>SK[0-9a-fA-F]{32})\b`),
		tok("BH-SEC-TWILIO-AUTH-TOKEN", "Twilio auth token", finding.Critical, CatSaaS, []string{"twilio"},
			`(?i:twilio)[A-Za-z0-9_.\-]{0,24}(?i:auth)[A-Za-z0-9_.\-]{0,8}(?i:token)["']?[ \t]*(?:=|:)[ \t]*["']?(?P<secret>[0-9a-f]{32})\b`+
				`|\bAC[0-9a-f]{32}:(?P<secret>[0-9a-f]{32})@`),
		tok("BH-SEC-SENDGRID-API-KEY", "SendGrid API key", finding.High, CatSaaS, []string{"sg."},
			`\b(?P<secret>SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})`+tokEnd),
		tok("BH-SEC-MAILGUN-API-KEY", "Mailgun API key", finding.High, CatSaaS, []string{"key-"},
			`\b(?P<secret>key-[0-9a-f]{32})\b`),
		tok("BH-SEC-MAILCHIMP-API-KEY", "Mailchimp API key", finding.High, CatSaaS, []string{"-us"},
			`\b(?P<secret>[0-9a-f]{32}-us[0-9]{1,2})\b`),
		tok("BH-SEC-NPM-TOKEN", "npm access token", finding.Critical, CatSaaS, []string{"npm_"},
			`\b(?P<secret>npm_[A-Za-z0-9]{36})\b`),
		tok("BH-SEC-PYPI-TOKEN", "PyPI upload token", finding.Critical, CatSaaS, []string{"pypi-ageichlwas5vcmc"},
			`(?P<secret>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})`),
		tok("BH-SEC-DOCKERHUB-TOKEN", "Docker Hub personal or organisation access token", finding.High, CatSaaS, []string{"dckr_pat_", "dckr_oat_"},
			`\b(?P<secret>dckr_(?:pat|oat)_[A-Za-z0-9_\-]{24,64})`+tokEnd),
		tok("BH-SEC-DOCKER-SWARM-JOIN-TOKEN", "Docker Swarm join token", finding.High, CatSaaS, []string{"swmtkn-1-"},
			`\b(?P<secret>SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25})\b`),
		tok("BH-SEC-DOCKER-SWARM-UNLOCK-KEY", "Docker Swarm unlock key", finding.High, CatSaaS, []string{"swmkey-1-"},
			`\b(?P<secret>SWMKEY-1-[A-Za-z0-9+/]{43})`),
		tok("BH-SEC-HUGGINGFACE-TOKEN", "Hugging Face access token", finding.High, CatSaaS, []string{"hf_", "api_org_"},
			`\b(?P<secret>(?:hf_|api_org_)[A-Za-z]{34})\b`),
		tok("BH-SEC-OPENAI-API-KEY", "OpenAI API key", finding.High, CatSaaS, []string{"sk-proj-", "sk-svcacct-", "sk-admin-", "t3blbkfj"},
			`\b(?P<secret>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,200}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})`+tokEnd),
		tok("BH-SEC-ANTHROPIC-API-KEY", "Anthropic API key", finding.High, CatSaaS, []string{"sk-ant-"},
			`\b(?P<secret>sk-ant-(?:api03|admin01)-[A-Za-z0-9_\-]{80,120})`+tokEnd),
		tok("BH-SEC-SHOPIFY-TOKEN", "Shopify access token or shared secret", finding.High, CatSaaS, []string{"shpat_", "shpca_", "shppa_", "shpss_"},
			`\b(?P<secret>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b`),
		tok("BH-SEC-ATLASSIAN-API-TOKEN", "Atlassian API token", finding.High, CatSaaS, []string{"atatt3"},
			`\b(?P<secret>ATATT3[A-Za-z0-9_\-=]{150,250})(?:[^A-Za-z0-9_\-=]|$)`),
		tok("BH-SEC-DATADOG-API-KEY", "Datadog API key", finding.High, CatSaaS, []string{"datadog", "dd_api", "dd-api", "ddapi"},
			`(?i:datadog|dd)[_.\-]?(?i:api)[_.\-]?(?i:key)["']?[ \t]*(?:=|:)[ \t]*["']?(?P<secret>[a-f0-9]{32})\b`),
		tok("BH-SEC-DATADOG-APP-KEY", "Datadog application key", finding.High, CatSaaS, []string{"datadog", "dd_app", "dd-app", "ddapp"},
			`(?i:datadog|dd)[_.\-]?(?i:app(?:lication)?)[_.\-]?(?i:key)["']?[ \t]*(?:=|:)[ \t]*["']?(?P<secret>[a-f0-9]{40})\b`),
		tok("BH-SEC-NEWRELIC-USER-KEY", "New Relic user API key", finding.High, CatSaaS, []string{"nrak-"},
			`\b(?P<secret>NRAK-[A-Z0-9]{27})\b`),
		{
			ID: "BH-SEC-NEWRELIC-LICENSE-KEY", Title: "New Relic license (ingest) key", Severity: finding.High, Category: CatSaaS,
			Keywords: []string{"nral", "newrelic", "new_relic", "new-relic"}, MinEntropy: tokenEntropy,
			Regex: rx(`\b(?P<secret>[a-f0-9]{36}NRAL)\b` +
				`|(?i:new[_.\-]?relic)[A-Za-z0-9_.\-]{0,16}(?i:license)[_.\-]?(?i:key)["']?[ \t]*(?:=|:)[ \t]*["']?(?P<secret>[a-f0-9]{40})\b`),
			Description: "A 40-character license key: 36 hex digits ending in `NRAL` (current keys), or 40 hex digits assigned to a `NEW_RELIC_LICENSE_KEY`-like name.",
		},
		{
			ID: "BH-SEC-NEWRELIC-CONFIG-LICENSE-KEY", Title: "New Relic license key in an agent configuration", Severity: finding.High, Category: CatCredentials,
			Keywords: []string{"license_key"}, Priority: PrioritySpecific, MinEntropy: tokenEntropy,
			Paths: pathRx(`(?:^|/)newrelic(?:-infra)?\.(?:ini|ya?ml|js|cfg)$`), pathHint: "newrelic",
			Regex:       rx(`(?m)^[ \t]*license_key[ \t]*[:=][ \t]*["']?(?P<secret>[A-Za-z0-9]{40})\b`),
			Description: "`license_key` set to a 40-character key in `newrelic.ini`, `newrelic.yml`, `newrelic-infra.yml` or `newrelic.js`.",
		},
		tok("BH-SEC-NEWRELIC-BROWSER-KEY", "New Relic browser key", finding.Medium, CatSaaS, []string{"nrjs-"},
			`\b(?P<secret>NRJS-[a-f0-9]{19})\b`),
		{
			ID: "BH-SEC-DATADOG-AGENT-API-KEY", Title: "Datadog API key in the agent configuration", Severity: finding.High, Category: CatCredentials,
			Keywords: []string{"api_key"}, Priority: PrioritySpecific, MinEntropy: tokenEntropy,
			Paths: pathRx(`(?:^|/)datadog(?:-agent)?/datadog\.ya?ml$`, `(?:^|/)datadog\.ya?ml$`), pathHint: "datadog",
			Regex:       rx(`(?m)^[ \t]*api_key[ \t]*:[ \t]*["']?(?P<secret>[a-f0-9]{32})\b`),
			Description: "`api_key:` set to 32 hex digits in the Datadog agent's `datadog.yaml`.",
		},
		tok("BH-SEC-NEWRELIC-INSERT-KEY", "New Relic insert key", finding.Medium, CatSaaS, []string{"nrii-"},
			`\b(?P<secret>NRII-[A-Za-z0-9_\-]{32})`+tokEnd),
		tok("BH-SEC-HEROKU-API-KEY", "Heroku API key", finding.High, CatSaaS, []string{"hrku-", "heroku"},
			`\b(?P<secret>HRKU-[A-Za-z0-9_\-]{60})`+tokEnd+
				`|(?i:heroku)[A-Za-z0-9_.\-]{0,20}(?i:key|token|secret)["']?[ \t]*(?:=|:)[ \t]*["']?(?P<secret>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b`),
		tok("BH-SEC-DIGITALOCEAN-TOKEN", "DigitalOcean access token", finding.High, CatSaaS, []string{"dop_v1_", "doo_v1_", "dor_v1_"},
			`\b(?P<secret>do[opr]_v1_[a-f0-9]{64})\b`),
		tok("BH-SEC-POSTMAN-API-KEY", "Postman API key", finding.Medium, CatSaaS, []string{"pmak-"},
			`\b(?P<secret>PMAK-[a-f0-9]{24}-[a-f0-9]{34})\b`),
		tok("BH-SEC-GRAFANA-CLOUD-TOKEN", "Grafana Cloud API token", finding.High, CatSaaS, []string{"glc_"},
			`\b(?P<secret>glc_[A-Za-z0-9+/]{32,400}={0,2})`),
		tok("BH-SEC-GRAFANA-SERVICE-ACCOUNT-TOKEN", "Grafana service account token", finding.High, CatSaaS, []string{"glsa_"},
			`\b(?P<secret>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})\b`),
		tok("BH-SEC-VAULT-TOKEN", "HashiCorp Vault token", finding.High, CatSaaS, []string{"hvs.", "hvb."},
			`\b(?P<secret>hv[sb]\.[A-Za-z0-9_\-]{24,})`+tokEnd),
		tok("BH-SEC-TERRAFORM-CLOUD-TOKEN", "HashiCorp Terraform Cloud API token", finding.High, CatSaaS, []string{".atlasv1."},
			`\b(?P<secret>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=\-]{60,70})(?:[^A-Za-z0-9_=\-]|$)`),
		tok("BH-SEC-SENTRY-TOKEN", "Sentry auth token", finding.Medium, CatSaaS, []string{"sntrys_", "sntryu_"},
			`\b(?P<secret>sntrys_eyJ[A-Za-z0-9+/=_\-]{60,}|sntryu_[a-f0-9]{64})`),
		tok("BH-SEC-LINEAR-API-KEY", "Linear API key", finding.Medium, CatSaaS, []string{"lin_api_"},
			`\b(?P<secret>lin_api_[A-Za-z0-9]{40})\b`),
		tok("BH-SEC-DOPPLER-TOKEN", "Doppler token", finding.High, CatSaaS, []string{"dp.pt.", "dp.st.", "dp.sa.", "dp.ct.", "dp.scim.", "dp.audit."},
			`\b(?P<secret>dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44})\b`),
		tok("BH-SEC-PULUMI-TOKEN", "Pulumi access token", finding.High, CatSaaS, []string{"pul-"},
			`\b(?P<secret>pul-[a-f0-9]{40})\b`),
		tok("BH-SEC-DATABRICKS-TOKEN", "Databricks personal access token", finding.High, CatSaaS, []string{"dapi"},
			`\b(?P<secret>dapi[a-f0-9]{32}(?:-[0-9])?)\b`),
		tok("BH-SEC-FLYIO-TOKEN", "Fly.io access token", finding.High, CatSaaS, []string{"fo1_"},
			`\b(?P<secret>fo1_[A-Za-z0-9_\-]{43})`+tokEnd),
		tok("BH-SEC-PLANETSCALE-TOKEN", "PlanetScale token or password", finding.High, CatSaaS, []string{"pscale_"},
			`\b(?P<secret>pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.\-]{32,64})`),
		tok("BH-SEC-SUPABASE-TOKEN", "Supabase access token", finding.High, CatSaaS, []string{"sbp_"},
			`\b(?P<secret>sbp_[a-f0-9]{40})\b`),
		tok("BH-SEC-RUBYGEMS-API-KEY", "RubyGems API key", finding.Critical, CatSaaS, []string{"rubygems_"},
			`\b(?P<secret>rubygems_[a-f0-9]{48})\b`),
		tok("BH-SEC-NUGET-API-KEY", "NuGet API key", finding.High, CatSaaS, []string{"oy2"},
			`\b(?P<secret>oy2[a-z0-9]{43})\b`),
		withWindow(tok("BH-SEC-ONEPASSWORD-SERVICE-TOKEN", "1Password service account token", finding.Critical, CatSaaS, []string{"ops_eyj"},
			`\b(?P<secret>ops_eyJ[A-Za-z0-9+/_\-]{250,}={0,3})`), tokenBefore, 4096),
		tok("BH-SEC-MAPBOX-SECRET-TOKEN", "Mapbox secret access token", finding.High, CatSaaS, []string{"sk.eyj"},
			`\b(?P<secret>sk\.eyJ[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{20,})`+tokEnd),
		tok("BH-SEC-ARTIFACTORY-API-KEY", "JFrog Artifactory API key", finding.High, CatSaaS, []string{"akcp"},
			`\b(?P<secret>AKCp[A-Za-z0-9]{69})\b`),
		tok("BH-SEC-FIGMA-TOKEN", "Figma personal access token", finding.Medium, CatSaaS, []string{"figd_"},
			`\b(?P<secret>figd_[A-Za-z0-9_\-]{40})`+tokEnd),
		tok("BH-SEC-BUILDKITE-TOKEN", "Buildkite API access token", finding.High, CatSaaS, []string{"bkua_"},
			`\b(?P<secret>bkua_[a-f0-9]{40})\b`),
		tok("BH-SEC-CLOUDFLARE-API-TOKEN", "Cloudflare API token", finding.High, CatSaaS, []string{"cloudflare", "cf_api"},
			`(?i:cloudflare|cf)[_.\-]?(?i:api)[_.\-]?(?i:token|key)["']?[ \t]*(?:=|:)[ \t]*["']?(?P<secret>[A-Za-z0-9_\-]{40})`+tokEnd),
		tok("BH-SEC-NOTION-TOKEN", "Notion integration token", finding.Medium, CatSaaS, []string{"ntn_"},
			`\b(?P<secret>ntn_[A-Za-z0-9]{46})\b`),

		// ---- private keys ----
		pem("BH-SEC-PRIVATE-KEY-RSA", "RSA private key", "RSA PRIVATE KEY", "begin rsa private key"),
		pem("BH-SEC-PRIVATE-KEY-EC", "EC private key", "EC PRIVATE KEY", "begin ec private key"),
		pem("BH-SEC-PRIVATE-KEY-DSA", "DSA private key", "DSA PRIVATE KEY", "begin dsa private key"),
		pem("BH-SEC-PRIVATE-KEY-OPENSSH", "OpenSSH private key", "OPENSSH PRIVATE KEY", "begin openssh private key"),
		pem("BH-SEC-PRIVATE-KEY-PGP", "PGP private key block", "PGP PRIVATE KEY BLOCK", "begin pgp private key block"),
		pem("BH-SEC-PRIVATE-KEY-PKCS8", "PKCS#8 private key", "PRIVATE KEY", "begin private key"),
		// A passphrase stands between the finder and the key: one step below
		// a plain key.
		withSeverity(pem("BH-SEC-PRIVATE-KEY-ENCRYPTED", "Encrypted PKCS#8 private key", "ENCRYPTED PRIVATE KEY", "begin encrypted private key"), finding.High),
		{
			ID: "BH-SEC-PRIVATE-KEY-PUTTY", Title: "PuTTY private key", Severity: finding.Critical, Category: CatPrivateKey,
			Keywords: []string{"putty-user-key-file-"}, Multiline: true, MinLen: 64,
			Regex: rx(`PuTTY-User-Key-File-[23]: [^\r\n]+\r?\n(?:[^\r\n]*\r?\n){0,12}?Private-Lines: [0-9]+\r?\n(?P<secret>[A-Za-z0-9+/=\r\n]{64,})`),
		},
		tok("BH-SEC-AGE-SECRET-KEY", "age secret key", finding.Critical, CatPrivateKey, []string{"age-secret-key-1"},
			`(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})`),

		// ---- JWT ----
		{
			ID: "BH-SEC-JWT", Title: "JSON Web Token", Severity: finding.Medium, Category: CatJWT,
			Keywords: []string{"eyj"}, MinEntropy: tokenEntropy, Validate: validJWT,
			Regex:       rx(`\b(?P<secret>eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{16,})`),
			Description: "Three base64url parts whose header decodes to a JSON object with an `alg` member and whose payload decodes to JSON. Public Supabase `anon` keys are allowed.",
		},

		// ---- URLs with passwords ----
		urlRule("BH-SEC-URL-POSTGRES", "PostgreSQL URL with password", `postgres(?:ql)?(?:\+[a-z0-9]+)?`, "postgres"),
		urlRule("BH-SEC-URL-MYSQL", "MySQL / MariaDB URL with password", `(?:mysql|mariadb)(?:\+[a-z0-9]+)?`, "mysql", "mariadb"),
		urlRule("BH-SEC-URL-MONGODB", "MongoDB URL with password", `mongodb(?:\+srv)?`, "mongodb"),
		urlRule("BH-SEC-URL-REDIS", "Redis URL with password", `rediss?`, "redis"),
		urlRule("BH-SEC-URL-AMQP", "AMQP (RabbitMQ) URL with password", `amqps?`, "amqp"),
		urlRule("BH-SEC-URL-FTP", "FTP URL with password", `s?ftps?`, "ftp", "sftp"),
		urlRule("BH-SEC-URL-HTTP-BASIC-AUTH", "HTTP URL with basic-auth password", `https?`, "http://", "https://"),
		{
			ID: "BH-SEC-URL-JDBC-PASSWORD", Title: "JDBC URL with password parameter", Severity: finding.High, Category: CatURL,
			Keywords: []string{"jdbc:"}, Validate: validURLPassword,
			Regex: rx(`(?i)jdbc:[a-z0-9]+:[^\s"'<>]*?[?&;:]password=(?P<secret>[^&;\s"'<>]{3,128})`),
		},

		// ---- credentials files ----
		{
			ID: "BH-SEC-NPMRC-AUTH", Title: "npm registry credentials in .npmrc", Severity: finding.High, Category: CatCredentials,
			Keywords: []string{"_auth", "_password"}, Priority: PrioritySpecific, MinLen: 8,
			Paths: pathRx(`(?:^|/)\.?npmrc$`), pathHint: "npmrc",
			Regex: rx(`(?m)(?:^|:)_(?:authToken|auth|password)[ \t]*=[ \t]*["']?(?P<secret>[^\s"']{8,})`),
		},
		{
			ID: "BH-SEC-PYPIRC-PASSWORD", Title: "Package index password in .pypirc", Severity: finding.High, Category: CatCredentials,
			Keywords: []string{"password"}, Priority: PrioritySpecific, MinLen: 6,
			Paths: pathRx(`(?:^|/)\.pypirc$`), pathHint: ".pypirc",
			Regex: rx(`(?m)^[ \t]*password[ \t]*[:=][ \t]*(?P<secret>\S{6,})`),
		},
		{
			ID: "BH-SEC-DOCKER-CONFIG-AUTH", Title: "Registry credentials in Docker config.json", Severity: finding.High, Category: CatCredentials,
			Keywords: []string{`"auth"`}, Priority: PrioritySpecific, Validate: validDockerAuth,
			Regex:       rx(`"auth"\s*:\s*"(?P<secret>[A-Za-z0-9+/]{6,}={0,2})"`),
			Description: "An `\"auth\"` member (as in `~/.docker/config.json` and `.dockerconfigjson`) whose base64 value decodes to `user:password`.",
		},
		{
			ID: "BH-SEC-GIT-CREDENTIALS", Title: "Password or token in .git-credentials", Severity: finding.High, Category: CatCredentials,
			Keywords: []string{"://"}, Priority: PrioritySpecific, Validate: validURLPassword,
			Paths: pathRx(`(?:^|/)\.git-credentials$`, `(?:^|/)git/credentials$`), pathHint: "credentials",
			Regex: rx(`(?m)^[a-z][a-z0-9+.\-]*://[^\s:@/]+:(?P<secret>[^\s@]{3,})@`),
		},
		{
			ID: "BH-SEC-HTPASSWD-HASH", Title: "Password hash in .htpasswd", Severity: finding.Medium, Category: CatCredentials,
			Keywords: []string{"$apr1$", "$2y$", "$2a$", "$2b$", "{sha}", "$5$", "$6$"}, Priority: PrioritySpecific,
			Paths: pathRx(`(?:^|/)\.?htpasswd[^/]*$`), pathHint: "htpasswd",
			Regex: rx(`(?m)^[^:\s#]+:(?P<secret>\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}|\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}|\{SHA\}[A-Za-z0-9+/]{27}=|\$[56]\$[^\s:$]{1,16}\$[./A-Za-z0-9]{43,86})`),
		},
		{
			ID: "BH-SEC-NETRC-PASSWORD", Title: "Password in .netrc", Severity: finding.High, Category: CatCredentials,
			Keywords: []string{"password"}, Priority: PrioritySpecific, MinLen: 4, Validate: validURLPassword,
			Paths: pathRx(`(?:^|/)[._]netrc$`), pathHint: "netrc",
			Regex: rx(`\bpassword[ \t]+(?P<secret>\S+)`),
		},
		{
			ID: "BH-SEC-PGPASS-PASSWORD", Title: "Password in .pgpass", Severity: finding.High, Category: CatCredentials,
			Priority: PrioritySpecific, Validate: validURLPassword,
			Paths: pathRx(`(?:^|/)\.pgpass$`), pathHint: ".pgpass",
			Regex: rx(`(?m)^[^:#\r\n]*:[^:\r\n]*:[^:\r\n]*:[^:\r\n]*:(?P<secret>[^\r\n]{3,})$`),
		},
		{
			ID: "BH-SEC-KUBECONFIG-CLIENT-KEY", Title: "Client private key in a kubeconfig", Severity: finding.Critical, Category: CatCredentials,
			Keywords: []string{"client-key-data"}, Priority: PrioritySpecific, MinEntropy: 4.0,
			Regex: rx(`client-key-data:[ \t]*["']?(?P<secret>[A-Za-z0-9+/=]{64,})`),
		},

		{
			ID: "BH-SEC-TERRAFORM-VARIABLE-DEFAULT", Title: "Secret as a Terraform variable default", Severity: finding.High, Category: CatGeneric,
			Keywords: []string{"variable"}, Multiline: true, After: 1024, MinLen: 8, MinEntropy: 2.75,
			Paths: pathRx(`\.tf$`), pathHint: ".tf",
			Regex: rx(`(?m)^[ \t]*variable[ \t]+"(?P<name>[A-Za-z0-9_\-]*(?i:password|passwd|secret|token|api_?key|access_?key|private_?key)[A-Za-z0-9_\-]*)"[ \t]*\{` +
				`[^{}]{0,512}?\bdefault[ \t]*=[ \t]*"(?P<secret>[^"\r\n$]{8,256})"`),
			Validate:    validTerraformDefault,
			Description: "A `variable` block whose name says it holds a password, secret, token or key, with a literal `default` (checked like a generic assignment).",
		},

		{
			ID: "BH-SEC-PHP-DEFINE-SECRET", Title: "Secret in a PHP define()", Severity: finding.Medium, Category: CatGeneric,
			Keywords: []string{"define("}, MinLen: 8, MinEntropy: 2.75,
			Regex: rx(`define\([ \t]*['"](?P<name>[A-Za-z0-9_]*(?i:password|passwd|secret|token|api_?key|auth_?key|_key|_salt)[A-Za-z0-9_]*)['"][ \t]*,[ \t]*` +
				`(?:'(?P<secret>[^'\r\n]{8,256})'|"(?P<secret>[^"\r\n$]{8,256})")[ \t]*\)`),
			Validate: validPHPDefine, NoPlaceholderCheck: true,
			Description: "A PHP `define('DB_PASSWORD', '...')` of a constant whose name says it holds a password, secret, token, key or salt (wp-config.php), with a literal value of 8 bytes or more.",
		},

		// ---- generic assignments ----
		generic("BH-SEC-GENERIC-PASSWORD", "Password assigned in configuration", `password|passwd|pwd`, 8, 2.75,
			"password", "passwd", "pwd"),
		generic("BH-SEC-GENERIC-SECRET", "Secret or token assigned in configuration", `secret|token`, 16, 3.2,
			"secret", "token"),
		generic("BH-SEC-GENERIC-API-KEY", "API or access key assigned in configuration", `api[_.\-]?key|access[_.\-]?key|auth[_.\-]?key`, 16, 3.2,
			"api_key", "apikey", "api-key", "api.key", "access_key", "accesskey", "access-key", "access.key", "auth_key", "authkey", "auth-key"),
	}
	for i := range rs {
		if err := rs[i].prepare(); err != nil {
			panic("secret: built-in rule: " + err.Error())
		}
	}
	return rs
}
