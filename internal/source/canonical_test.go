package source

import "testing"

func TestCanonicalURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{name: "already canonical", in: "https://www.gao.gov/products/gao-26-107879", want: "https://www.gao.gov/products/gao-26-107879"},
		{name: "scheme and host lower-cased, path kept", in: "HTTPS://News.Example.COM/Story/A", want: "https://news.example.com/Story/A"},
		{name: "default https port", in: "https://example.com:443/a", want: "https://example.com/a"},
		{name: "default http port", in: "http://example.com:80/a", want: "http://example.com/a"},
		{name: "other port kept", in: "https://example.com:8443/a", want: "https://example.com:8443/a"},
		{name: "http port on https kept", in: "https://example.com:80/a", want: "https://example.com:80/a"},
		{name: "empty path", in: "https://example.com", want: "https://example.com/"},
		{name: "trailing dot on host", in: "https://example.com./a", want: "https://example.com/a"},
		{name: "fragment dropped", in: "https://example.com/a#comments", want: "https://example.com/a"},
		{name: "utm parameters", in: "https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x&UTM_Term=y", want: "https://example.com/a"},
		{name: "click ids", in: "https://example.com/a?fbclid=1&gclid=2&msclkid=3&dclid=4&gbraid=5&wbraid=6&yclid=7&twclid=8&igshid=9", want: "https://example.com/a"},
		{name: "mailchimp and publishers", in: "https://example.com/a?mc_cid=1&mc_eid=2&ocid=3&cmpid=4&smid=5&ref=6&ref_src=7&ref_url=8&sr_share=9&ito=10", want: "https://example.com/a"},
		{name: "hubspot marketo analytics", in: "https://example.com/a?_hsenc=1&_hsmi=2&hsCtaTracking=3&mkt_tok=4&_ga=5&_gl=6&xtor=7&s_cid=8&__twitter_impression=true", want: "https://example.com/a"},
		{name: "percent-encoded tracking name", in: "https://example.com/a?utm%5Fsource=x&id=1", want: "https://example.com/a?id=1"},
		{name: "remaining parameters sorted", in: "https://example.com/a?z=1&utm_source=x&b=2&a=3", want: "https://example.com/a?a=3&b=2&z=1"},
		{name: "repeated names keep their order", in: "https://example.com/a?tag=b&id=1&tag=a", want: "https://example.com/a?id=1&tag=b&tag=a"},
		{name: "encoding kept as written", in: "https://example.com/search?q=a+b%2Fc&p=%C3%A9", want: "https://example.com/search?p=%C3%A9&q=a+b%2Fc"},
		{name: "empty parameters dropped", in: "https://example.com/a?&id=1&&", want: "https://example.com/a?id=1"},
		{name: "trailing question mark", in: "https://example.com/a?", want: "https://example.com/a"},
		{name: "only tracking leaves no question mark", in: "https://example.com/a?utm_source=x#top", want: "https://example.com/a"},
		{name: "generic names are not tracking", in: "https://example.com/a?source=gao&cid=42&from=2024", want: "https://example.com/a?cid=42&from=2024&source=gao"},
		{name: "ipv6 with default port", in: "http://[::1]:80/a", want: "http://[::1]/a"},
		{name: "ipv6 with port", in: "http://[::1]:8080/a", want: "http://[::1]:8080/a"},
		{name: "spaces trimmed", in: "  https://example.com/a \n", want: "https://example.com/a"},
		{name: "unparseable kept", in: "http://a b/%zz", want: "http://a b/%zz"},
		{name: "relative reference kept", in: " /products/gao-26-1?utm_source=x ", want: "/products/gao-26-1?utm_source=x"},
		{name: "other scheme kept", in: "mailto:Desk@Example.com?subject=x&utm_source=y", want: "mailto:Desk@Example.com?subject=x&utm_source=y"},
		{name: "empty", in: "", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := CanonicalURL(tc.in)
			if got != tc.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := CanonicalURL(got); again != got {
				t.Errorf("not idempotent: CanonicalURL(%q) = %q", got, again)
			}
		})
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{"https://Example.com:443/a?b=1&utm_source=x#f", "http://[::1]:80", "a?&&", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		once := CanonicalURL(in)
		if twice := CanonicalURL(once); twice != once {
			t.Errorf("CanonicalURL not idempotent: %q -> %q -> %q", in, once, twice)
		}
	})
}
