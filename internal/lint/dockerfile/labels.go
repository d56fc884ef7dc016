package dockerfile

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// stageLabels returns the labels a stage sets, with the stages it is built
// FROM, as name → the LABEL instruction that set it last.
func stageLabels(st *Stage) map[string]*Instr {
	out := map[string]*Instr{}
	for _, in := range chain(st) {
		if in.Cmd != "label" {
			continue
		}
		for _, kv := range pairList(in) {
			out[kv[0]] = in
		}
	}
	return out
}

// eachSchemaLabel calls fn for every label of every LABEL instruction that
// the schema gives type typ, skipping values that use a variable.
func eachSchemaLabel(f *File, env *Env, typ string, fn func(name, value string) (string, bool)) []Hit {
	if len(env.LabelSchema) == 0 {
		return nil
	}
	var out []Hit
	for _, in := range f.Instrs {
		if in.Cmd != "label" {
			continue
		}
		for _, kv := range pairList(in) {
			t, ok := env.LabelSchema[kv[0]]
			if !ok || (typ != "" && t != typ) || (typ != "" && (kv[1] == "" || strings.Contains(kv[1], "$"))) {
				continue
			}
			if d, bad := fn(kv[0], kv[1]); bad {
				out = append(out, hit(in, d))
				break
			}
		}
	}
	return out
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

func validRFC3339(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	if err != nil {
		_, err = time.Parse(time.RFC3339Nano, s)
	}
	return err == nil
}

var semverRe = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

func validSemver(s string) bool { return semverRe.MatchString(s) }

var hashRe = regexp.MustCompile(`^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$`)

// validHash accepts a full git commit id (SHA-1 or SHA-256).
func validHash(s string) bool { return hashRe.MatchString(s) }

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address != "" && strings.Contains(a.Address, "@")
}

// spdxIDs are the SPDX license identifiers most often seen in images.
var spdxIDs = map[string]bool{}

func init() {
	for _, id := range strings.Fields(`0BSD AFL-3.0 AGPL-1.0 AGPL-3.0 AGPL-3.0-only AGPL-3.0-or-later Apache-1.0 Apache-1.1 Apache-2.0
		APSL-2.0 Artistic-1.0 Artistic-2.0 BlueOak-1.0.0 BSD-1-Clause BSD-2-Clause BSD-2-Clause-Patent BSD-3-Clause
		BSD-3-Clause-Clear BSD-4-Clause BSL-1.0 BUSL-1.1 CC-BY-3.0 CC-BY-4.0 CC-BY-SA-3.0 CC-BY-SA-4.0 CC0-1.0
		CDDL-1.0 CDDL-1.1 CECILL-2.1 CPL-1.0 ECL-2.0 EFL-2.0 ELv2 EPL-1.0 EPL-2.0 EUPL-1.1 EUPL-1.2 FTL GFDL-1.3
		GFDL-1.3-only GFDL-1.3-or-later GPL-1.0 GPL-2.0 GPL-2.0-only GPL-2.0-or-later GPL-3.0 GPL-3.0-only
		GPL-3.0-or-later HPND ICU IPL-1.0 ISC LGPL-2.0 LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1 LGPL-2.1-only
		LGPL-2.1-or-later LGPL-3.0 LGPL-3.0-only LGPL-3.0-or-later LPPL-1.3c MIT MIT-0 MPL-1.0 MPL-1.1 MPL-2.0
		MPL-2.0-no-copyleft-exception MS-PL MS-RL MulanPSL-2.0 NCSA ODbL-1.0 OFL-1.1 OpenSSL OSL-3.0 PHP-3.0
		PHP-3.01 PostgreSQL Python-2.0 Ruby SSPL-1.0 Unicode-DFS-2016 Unlicense UPL-1.0 Vim W3C WTFPL X11 Zlib
		ZPL-2.0 ZPL-2.1 curl libpng Classpath-exception-2.0 LLVM-exception GCC-exception-3.1`) {
		spdxIDs[strings.ToLower(id)] = true
	}
}

// validSPDX accepts an SPDX license id or expression of known ids
// (AND, OR, WITH, parentheses, "+" and LicenseRef-/DocumentRef- ids).
func validSPDX(s string) bool {
	s = strings.NewReplacer("(", " ", ")", " ").Replace(s)
	words := strings.Fields(s)
	if len(words) == 0 {
		return false
	}
	for i, w := range words {
		if i%2 == 1 {
			if w != "AND" && w != "OR" && w != "WITH" && w != "and" && w != "or" && w != "with" {
				return false
			}
			continue
		}
		w = strings.TrimSuffix(w, "+")
		if strings.HasPrefix(w, "LicenseRef-") || strings.HasPrefix(w, "DocumentRef-") {
			continue
		}
		if !spdxIDs[strings.ToLower(w)] {
			return false
		}
	}
	return len(words)%2 == 1
}
