package source

import (
	"net"
	"net/url"
	"slices"
	"strings"
)

// CanonicalURL normalises a document URL so that one story reached by two
// routes (two feeds, a newsletter link, a social share) has one identity:
//
//   - scheme and host are lower-cased, a trailing dot on the host is dropped;
//   - the default port (80 for http, 443 for https) is dropped;
//   - an empty path becomes "/";
//   - the fragment is dropped;
//   - tracking parameters are removed (see isTrackingParam): utm_* and the
//     click ids fbclid, gclid, dclid, gbraid, wbraid, msclkid, yclid,
//     twclid, igshid; Mailchimp's mc_cid and mc_eid; HubSpot's _hsenc,
//     _hsmi and hsCtaTracking; Marketo's mkt_tok; Google Analytics' _ga and
//     _gl; AT Internet's xtor; Adobe's s_cid; the publishers' ocid, cmpid,
//     smid, sr_share, ito, ref, ref_src and ref_url; and __twitter_impression;
//   - the remaining query parameters are sorted by name, keeping their
//     encoding as written and the order of repeated names;
//   - an empty query, a trailing "?", is dropped.
//
// The path is kept as written: servers may treat case, trailing slashes and
// encoded characters in it differently. Only absolute http and https URLs
// are normalised; anything else (a relative reference, another scheme, a
// string that does not parse) is returned trimmed of spaces.
func CanonicalURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return raw
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return raw
	}
	host, port := u.Hostname(), u.Port()
	host = strings.ToLower(host)
	if h := strings.TrimSuffix(host, "."); h != "" {
		host = h
	}
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	u.Host = host
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	u.Fragment, u.RawFragment = "", ""
	u.RawQuery = canonicalQuery(u.RawQuery)
	u.ForceQuery = false
	// Trimmed again: a raw space before a dropped fragment would otherwise
	// end the result, and the input is trimmed.
	return strings.TrimSpace(u.String())
}

// canonicalQuery drops tracking and empty parameters from a raw query and
// sorts the rest stably by decoded name.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type param struct{ name, raw string }
	var params []param
	for part := range strings.SplitSeq(raw, "&") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if isTrackingParam(name) {
			continue
		}
		params = append(params, param{name, part})
	}
	slices.SortStableFunc(params, func(a, b param) int { return strings.Compare(a.name, b.name) })
	parts := make([]string, len(params))
	for i, p := range params {
		parts[i] = p.raw
	}
	return strings.Join(parts, "&")
}

// isTrackingParam reports whether a query parameter only says how a reader
// arrived, not which document they asked for. Names are compared without
// regard to case. Generic names such as "source", "from" or "cid" are not
// on the list: too many sites use them to pick the document itself.
func isTrackingParam(name string) bool {
	name = strings.ToLower(name)
	if strings.HasPrefix(name, "utm_") {
		return true
	}
	switch name {
	case "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
		"mc_cid", "mc_eid",
		"_hsenc", "_hsmi", "hsctatracking",
		"mkt_tok",
		"_ga", "_gl",
		"xtor", "s_cid",
		"ocid", "cmpid", "smid", "sr_share", "ito", "ref", "ref_src", "ref_url",
		"__twitter_impression":
		return true
	}
	return false
}
