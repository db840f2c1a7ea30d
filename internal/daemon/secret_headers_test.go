package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/figwatch/watcher/internal/config"
)

// A source's secret header goes to the source's own host, read from the
// environment, and never to the hosts of the articles its feed links.
func TestSecretHeadersGoOnlyToTheSourceHost(t *testing.T) {
	t.Setenv("WATCHER_TEST_API_KEY", "k3y-for-the-feed-host")
	other := newFeedServer(t) // another host:port: an outlet the feed links
	h := newHarness(t, []sourceYAML{{id: "press", path: "/press.xml", authority: "press",
		extra: "    follow_links: true\n    secret_headers:\n      X-Api-Key: {env: WATCHER_TEST_API_KEY}\n"}}, "")
	h.feeds.set("/press.xml", feedResponse{body: fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>Press</title>`+
		`<item><guid>a1</guid><title>T</title><link>%s/articles/a1</link></item>`+
		`<item><guid>a2</guid><title>T</title><link>%s/articles/a2</link></item></channel></rss>`, h.feeds.srv.URL, other.srv.URL)})
	page := feedResponse{ctype: "text/html", body: "<html><body><article><p>More than 32,000 children failed to appear in court.</p></article></body></html>"}
	h.feeds.set("/articles/a1", page)
	other.set("/articles/a2", page)
	if err := h.once(); err != nil {
		t.Fatal(err)
	}
	var feed, same int
	for _, r := range h.feeds.Requests() {
		switch {
		case r.Path == "/press.xml" && r.APIKey == "k3y-for-the-feed-host":
			feed++
		case r.Path == "/articles/a1" && r.APIKey == "k3y-for-the-feed-host":
			same++
		}
	}
	if feed != 1 || same != 1 {
		t.Errorf("secret header on the source host: feed %d, same-host article %d requests; want 1 and 1\n%+v", feed, same, h.feeds.Requests())
	}
	reqs := other.Requests()
	if len(reqs) != 1 {
		t.Fatalf("other host: %d requests, want the article once", len(reqs))
	}
	if reqs[0].APIKey != "" {
		t.Errorf("the secret header went to another host: %q", reqs[0].APIKey)
	}
	if strings.Contains(h.log(), "k3y-for-the-feed-host") {
		t.Error("the secret header value is in the log")
	}
}

// A secret header whose variable is unset stops the daemon at start with
// an error naming the source and the variable.
func TestSecretHeaderUnsetFailsAtStart(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "api", path: "/api.xml", authority: "official"}}, "")
	h.cfg.Sources[0].SecretHeaders = map[string]config.SecretRef{"X-Api-Key": {Env: "WATCHER_TEST_UNSET_KEY"}}
	_, err := newRuntime(h.cfg, h.d.rt.Load().notifier, func(string) string { return "" }, h.d.log)
	if err == nil || !strings.Contains(err.Error(), "source api: secret header X-Api-Key: $WATCHER_TEST_UNSET_KEY is not set") {
		t.Fatalf("newRuntime = %v, want the unset variable named", err)
	}
}

// A key in a source URL (validate warns about it) is shown redacted on the
// status page and by `watcher status`, which both read ReadStatus.
func TestStatusRedactsCredentialsInSourceURLs(t *testing.T) {
	h := newHarness(t, []sourceYAML{{id: "api", path: "/api.xml?api_key=s3cr3t-k3y&q=uac", authority: "official"}}, "")
	st, err := ReadStatus(context.Background(), h.db, h.cfg, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Sources[0].URL; strings.Contains(got, "s3cr3t-k3y") || !strings.Contains(got, "api_key=REDACTED") || !strings.Contains(got, "q=uac") {
		t.Errorf("status URL = %q, want the key redacted and the rest kept", got)
	}
}
