package fetch

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "nothing secret", in: "https://www.bls.gov/feed/empsit.rss?lang=en&page=2",
			want: "https://www.bls.gov/feed/empsit.rss?lang=en&page=2"},
		{name: "api_key", in: "https://api.example.org/v1/series?api_key=abc123&series=CES0000000001",
			want: "https://api.example.org/v1/series?api_key=REDACTED&series=CES0000000001"},
		{name: "case-insensitive", in: "https://a.example/?API_KEY=abc&Token=t&SECRET=s",
			want: "https://a.example/?API_KEY=REDACTED&Token=REDACTED&SECRET=REDACTED"},
		{name: "key alone", in: "https://a.example/?key=k1", want: "https://a.example/?key=REDACTED"},
		{name: "apikey and apiKey", in: "https://a.example/?apikey=1&apiKey=2",
			want: "https://a.example/?apikey=REDACTED&apiKey=REDACTED"},
		{name: "suffix x-api-key", in: "https://a.example/?x-api-key=1&X-Amz-Signature=2&X-Amz-Credential=3&X-Amz-Security-Token=4",
			want: "https://a.example/?x-api-key=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED"},
		{name: "run-together names", in: "https://a.example/?accesstoken=1&clientsecret=2&refreshToken=3",
			want: "https://a.example/?accesstoken=REDACTED&clientsecret=REDACTED&refreshToken=REDACTED"},
		{name: "oauth words", in: "https://a.example/cb?code=c0de&state=xyz&access_token=at&sig=s&signature=s2&auth=a&password=p&passwd=q",
			want: "https://a.example/cb?code=REDACTED&state=xyz&access_token=REDACTED&sig=REDACTED&signature=REDACTED&auth=REDACTED&password=REDACTED&passwd=REDACTED"},
		{name: "code only as a whole name", in: "https://a.example/?country_code=US&zip_code=20001",
			want: "https://a.example/?country_code=US&zip_code=20001"},
		{name: "words that merely end in key", in: "https://a.example/?monkey=1&turkey=2",
			want: "https://a.example/?monkey=1&turkey=2"},
		{name: "escaped name", in: "https://a.example/?api%5Fkey=abc", want: "https://a.example/?api%5Fkey=REDACTED"},
		{name: "repeated parameter", in: "https://a.example/?token=1&token=2", want: "https://a.example/?token=REDACTED&token=REDACTED"},
		{name: "empty value kept", in: "https://a.example/?token=&x=1", want: "https://a.example/?token=&x=1"},
		{name: "escaped value", in: "https://a.example/?token=a%2Bb%3D%3D", want: "https://a.example/?token=REDACTED"},
		{name: "password in userinfo", in: "https://feeduser:s3cret@intranet.example/feed",
			want: "https://feeduser:REDACTED@intranet.example/feed"},
		{name: "token as user name", in: "https://ghp_abcdef@git.example/feed.atom",
			want: "https://REDACTED@git.example/feed.atom"},
		{name: "fragment parameters", in: "https://a.example/cb#access_token=at&expires_in=3600",
			want: "https://a.example/cb#access_token=REDACTED&expires_in=3600"},
		{name: "plain fragment", in: "https://a.example/report#table-3", want: "https://a.example/report#table-3"},
		{name: "unparseable, still redacted", in: "http://u:pw@a b/?token=t&x=1",
			want: "http://u:REDACTED@a b/?token=REDACTED&x=1"},
		{name: "not a URL", in: "feed", want: "feed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := RedactURL(tc.in); got != tc.want {
				t.Errorf("RedactURL(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRedactedURLLeavesItsArgumentAlone(t *testing.T) {
	t.Parallel()
	const raw = "https://u:pw@a.example/?token=t#sig=s"
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := RedactedURL(u), "https://u:REDACTED@a.example/?token=REDACTED#sig=REDACTED"; got != want {
		t.Errorf("RedactedURL = %q, want %q", got, want)
	}
	if u.String() != raw {
		t.Errorf("argument changed to %q", u)
	}
	if RedactedURL(nil) != "" {
		t.Error("RedactedURL(nil) not empty")
	}
}

func TestSecretParam(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"key", true}, {"api_key", true}, {"api-key", true}, {"apiKey", true}, {"x-api-key", true},
		{"token", true}, {"access_token", true}, {"accessToken", true}, {"id_token", true},
		{"secret", true}, {"client_secret", true}, {"password", true}, {"passwd", true}, {"pwd", true},
		{"sig", true}, {"signature", true}, {"auth", true}, {"x-auth", true}, {"code", true},
		{"session", true}, {"sessionid", true}, {"jwt", true},
		{"page", false}, {"lang", false}, {"id", false}, {"country_code", false}, {"monkey", false},
		{"keyword", false}, {"token_type", false}, {"author", false}, {"", false}, {"-", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := secretParam(tc.name); got != tc.want {
				t.Errorf("secretParam(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{
		"https://u:pw@a.example/?api_key=abc&x=1#access_token=t",
		"http://a b/?token=t",
		"https://ghp_x@h/?Sig=%zz&&=&token",
		"feed",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		once := RedactURL(raw)
		if twice := RedactURL(once); twice != once {
			t.Fatalf("not idempotent: %q → %q → %q", raw, once, twice)
		}
		// A secret parameter's value never survives, whatever surrounds it.
		const secret = "s3cr3tvalue"
		withSecret := raw + "&token=" + secret
		if !strings.Contains(raw, "?") {
			withSecret = raw + "?token=" + secret
		}
		if strings.ContainsAny(raw, "#") {
			return // the parameter would land in the fragment's text
		}
		if got := RedactURL(withSecret); strings.Contains(got, secret) {
			t.Fatalf("RedactURL(%q) = %q keeps the token", withSecret, got)
		}
	})
}
