package config

import (
	"regexp"
	"testing"
)

// TestIDMatchersMatchTheirRegexps holds the hand-written checks of ids,
// variable names and slash commands to the expressions their messages
// describe, for every string of up to four characters over an alphabet
// that crosses each class boundary, and some longer ones.
func TestIDMatchersMatchTheirRegexps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		match func(string) bool
		re    *regexp.Regexp
	}{
		{"source id", isSourceID, regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)},
		{"metric id", isMetricID, regexp.MustCompile(`^[a-z0-9_]+$`)},
		{"env name", isEnvName, regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)},
		{"slash command", isSlashCommand, regexp.MustCompile(`^/[a-z0-9_-]{1,31}$`)},
	}
	alphabet := []string{"a", "z", "A", "Z", "0", "9", "_", "-", "/", " ", "é", "`", "{", "@", "[", ":"}
	inputs := []string{"", "/" + string(make([]byte, 31)), "/abcdefghijklmnopqrstuvwxyz01234", "/abcdefghijklmnopqrstuvwxyz012345", "feed-00001", "SLACK_BOT_TOKEN", "/watcher"}
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		inputs = append(inputs, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+c, n-1)
		}
	}
	grow("", 4)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, in := range inputs {
				if got, want := tc.match(in), tc.re.MatchString(in); got != want {
					t.Errorf("%q: %v, the regexp says %v", in, got, want)
				}
			}
		})
	}
}

// TestLazyRegexpsCompile compiles every expression the package compiles
// on first use, which would otherwise panic only when a rare message
// first needs it.
func TestLazyRegexpsCompile(t *testing.T) {
	t.Parallel()
	for _, re := range []func() *regexp.Regexp{yamlLine, unknownAnchor, cannotDecode, duplicateKey, atPosition, selfAlias, quotedValue, daysPrefix, sizeSyntax, slackID, slackOperator} {
		if re() == nil {
			t.Error("nil regexp")
		}
	}
}
