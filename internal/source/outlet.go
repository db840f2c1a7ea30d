package source

import (
	"encoding/json"
	"net/url"
	"strings"
)

// HostOutlet names an outlet by the host of a URL, without "www.": the
// last resort when a page names no publisher.
func HostOutlet(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.")
}

// ldPublisher returns the publisher's name from a JSON-LD block: the
// "publisher" of the first object that has one, looking into arrays and
// "@graph", the publisher being an object with a "name" or a plain string.
// Unreadable JSON yields "".
func ldPublisher(raw string) string {
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return ""
	}
	return findPublisher(v, 0)
}

func findPublisher(v any, depth int) string {
	if depth > 8 {
		return ""
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if name := findPublisher(e, depth+1); name != "" {
				return name
			}
		}
	case map[string]any:
		switch p := x["publisher"].(type) {
		case string:
			if s := strings.TrimSpace(p); s != "" {
				return s
			}
		case map[string]any:
			if s, ok := p["name"].(string); ok && strings.TrimSpace(s) != "" {
				return strings.TrimSpace(s)
			}
		case []any:
			if name := findPublisher(map[string]any{"publisher": firstOf(p)}, depth+1); name != "" {
				return name
			}
		}
		if g, ok := x["@graph"]; ok {
			return findPublisher(g, depth+1)
		}
	}
	return ""
}

func firstOf(a []any) any {
	if len(a) == 0 {
		return nil
	}
	return a[0]
}
