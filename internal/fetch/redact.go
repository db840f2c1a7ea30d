package fetch

import (
	"net/url"
	"strings"
	"unicode"
)

// Redacted replaces a secret in a URL shown to people.
const Redacted = "REDACTED"

// RedactURL returns raw for logs, errors and status pages: the password of
// its userinfo (or a lone user name, which is how tokens are usually put
// there), and the values of query and fragment parameters whose names look
// like secrets (key, api_key, apiKey, x-api-key, token, access_token,
// secret, password, passwd, sig, signature, auth, code, …, in any case),
// replaced with REDACTED. Everything else is kept as written, so the URL
// still says which feed it is. A string that is not a URL is redacted as
// far as it can be read.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactUnparsed(raw)
	}
	return redactParsed(raw, u)
}

// redactParsed is RedactURL for raw already parsed into u.
func redactParsed(raw string, u *url.URL) string {
	// Nowhere for a secret to be: no need to write the URL again. This is
	// every request of a typical feed URL, so it is worth the shortcut.
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
		return raw
	}
	if r, changed := redactURL(u); changed {
		return r
	}
	// Nothing to hide: the URL exactly as written, not as net/url would
	// write it again.
	return raw
}

// RedactedURL is RedactURL for a parsed URL; u is not modified.
func RedactedURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	r, _ := redactURL(u)
	return r
}

// redactURL returns u redacted, and whether that changed anything. A value
// already REDACTED is no change, so redacting twice changes nothing more.
func redactURL(u *url.URL) (string, bool) {
	r := *u
	changed := false
	if r.User != nil {
		if pw, ok := r.User.Password(); ok {
			r.User = url.UserPassword(r.User.Username(), Redacted)
			changed = pw != Redacted
		} else if name := r.User.Username(); name != "" {
			r.User = url.User(Redacted)
			changed = name != Redacted
		}
	}
	var qc, fc bool
	r.RawQuery, qc = redactParams(r.RawQuery)
	if r.Fragment != "" {
		var frag string
		frag, fc = redactParams(r.EscapedFragment())
		if f, err := url.PathUnescape(frag); err == nil {
			r.Fragment, r.RawFragment = f, frag
		}
	}
	return r.String(), changed || qc || fc
}

// redactUnparsed redacts a string that url.Parse rejected: the userinfo
// before the first '@' of the authority, and the parameters after '?'.
func redactUnparsed(raw string) string {
	rest, query, hasQuery := strings.Cut(raw, "?")
	if i := strings.Index(rest, "://"); i >= 0 {
		auth := rest[i+3:]
		if j := strings.IndexAny(auth, "/"); j >= 0 {
			auth = auth[:j]
		}
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			user, _, hasPass := strings.Cut(auth[:at], ":")
			info := Redacted
			if hasPass {
				info = user + ":" + Redacted
			}
			rest = rest[:i+3] + info + rest[i+3+at:]
		}
	}
	if !hasQuery {
		return rest
	}
	q, _ := redactParams(query)
	return rest + "?" + q
}

// redactParams replaces the values of secret-looking parameters in an
// escaped query (or fragment) string, keeping the order and spelling of the
// rest, and reports whether it replaced any.
func redactParams(q string) (string, bool) {
	if q == "" {
		return q, false
	}
	parts := strings.Split(q, "&")
	changed := false
	for i, p := range parts {
		name, value, ok := strings.Cut(p, "=")
		if !ok || value == "" || value == Redacted {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if secretParam(name) {
			parts[i] = p[:len(p)-len(value)] + Redacted
			changed = true
		}
	}
	if !changed {
		return q, false
	}
	return strings.Join(parts, "&"), true
}

// secretWord reports a parameter name, or the last word of one (api_key,
// X-Amz-Signature, clientSecret), that carries a secret.
func secretWord(w string) bool {
	switch w {
	case "key", "apikey", "token", "secret", "password", "passwd", "pwd", "sig", "signature",
		"auth", "credential", "credentials", "jwt", "passphrase", "sessionid":
		return true
	}
	return false
}

// secretName reports a whole parameter name that carries a secret although,
// as the last word of a longer name, it usually does not (country_code).
func secretName(n string) bool {
	switch n {
	case "code", "pass", "session", "sid":
		return true
	}
	return false
}

// secretSuffix catches run-together names (accesstoken, clientsecret,
// xapikey): long enough not to end ordinary words.
func secretSuffix(n string) bool {
	for _, s := range [...]string{"token", "secret", "password", "passwd", "signature", "apikey", "credential"} {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}

// secretParam reports whether a parameter named name looks like it carries
// a secret.
func secretParam(name string) bool {
	words := splitWords(name)
	if len(words) == 0 {
		return false
	}
	joined := strings.Join(words, "")
	return secretWord(words[len(words)-1]) || secretName(joined) || secretSuffix(joined)
}

// splitWords lower-cases name and splits it into words at punctuation and
// at camelCase boundaries: "X-Api-Key" and "xApiKey" give x, api, key.
func splitWords(name string) []string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	prevLower := false
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && prevLower {
				flush()
			}
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
			cur.WriteRune(unicode.ToLower(r))
		default:
			flush()
			prevLower = false
		}
	}
	flush()
	return words
}
