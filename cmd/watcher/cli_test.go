package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/store"
	"github.com/figwatch/watcher/internal/web"
)

// cliFixture is a config with two metrics and two sources whose
// database exists, for running every command as a user does.
type cliFixture struct {
	dir, config, db, story string
}

func newCLIFixture(t *testing.T) cliFixture {
	t.Helper()
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	t.Setenv(configEnv, "")
	t.Setenv(config.DefaultHTTPTokenEnv, "")
	dir := t.TempDir()
	f := cliFixture{
		dir:    dir,
		config: filepath.Join(dir, "my.yaml"),
		db:     filepath.Join(dir, "watcher.db"),
		story:  filepath.Join(dir, "story.txt"),
	}
	// The sources are never reached: only `once` polls, and port 9 on
	// the loopback refuses at once.
	cfg := fmt.Sprintf(`storage:
  path: %q
sources:
  - id: cbp-swb
    name: CBP southwest border
    url: http://127.0.0.1:9/swb.xml
    authority: official
    schedule: "@every 24h"
  - id: press-wire
    name: Press wire
    url: http://127.0.0.1:9/wire.xml
    authority: press
    schedule: "@every 24h"
metrics:
  - id: swb_encounters
    label: Southwest border encounters
    any: ["encounters"]
  - id: uc_no_nta
    label: Children without a notice to appear
    any: ["notice to appear"]
`, f.db)
	write(t, f.config, cfg)
	write(t, f.story, "In October 2024, border agents recorded more than 106,000 encounters.\n")
	db, err := store.Open(f.db, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// runCLI runs the command line args and returns its exit code, stdout and
// stderr.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestFlagsBeforeAndAfterPositionals runs every command with its flags
// before and after its positional arguments (and --config before the
// command): each order reaches the command with the same flags.
func TestFlagsBeforeAndAfterPositionals(t *testing.T) {
	f := newCLIFixture(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	// `run` with its port taken stops before polling: it shows that the
	// flags reached it without running a daemon.
	runCfg := runConfig(t, filepath.Join(t.TempDir(), "w.db"), taken.Addr().String())
	for _, tc := range []struct {
		name    string
		orders  [][]string
		code    int
		stdout  string // in stdout
		stderr  string // in stderr
		setup   func(t *testing.T)
		outFile string // a file the command must write
	}{
		{name: "run", code: exitFailure, stderr: "cannot serve http.listen", orders: [][]string{
			{"run", "--config", runCfg}, {"--config", runCfg, "run"}}},
		{name: "once", code: exitFailure, stderr: "once: some sources failed", orders: [][]string{
			{"once", "--config", f.config}, {"--config=" + f.config, "once"}}},
		// The fixture's sources are on the loopback, which the egress
		// policy refuses: check got the config and the id.
		{name: "check", code: exitFailure, stderr: "check cbp-swb: get http://127.0.0.1:9/swb.xml: refusing", orders: [][]string{
			{"check", "cbp-swb", "--config", f.config, "--json"}, {"--config", f.config, "check", "--json", "cbp-swb"}}},
		{name: "validate", code: exitOK, stdout: "ok: " + f.config, orders: [][]string{
			{"validate", "--config", f.config}, {"--config", f.config, "validate"}}},
		{name: "extract", code: exitOK, stdout: `"metric":"swb_encounters"`, orders: [][]string{
			{"extract", "--json", "--config", f.config, f.story},
			{"extract", f.story, "--json", "--config", f.config},
			{"--config", f.config, "extract", f.story, "--json"},
			{"extract", "--config", f.config, "--json", "-"}}},
		{name: "extract --all", code: exitOK, stdout: "[not a figure: ", orders: [][]string{
			{"extract", "--all", "--config", f.config, f.story},
			{"extract", f.story, "--config", f.config, "--all"}}},
		{name: "test-alert", code: exitOK, stdout: "claim_mismatch", orders: [][]string{
			{"test-alert", "--config", f.config}, {"--config", f.config, "test-alert"}}},
		{name: "demo", code: exitOK, stdout: "watcher demo:", orders: [][]string{
			{"demo", "--config", f.config}, {"--config", f.config, "demo"}}},
		{name: "status", code: exitOK, stdout: "cbp-swb", orders: [][]string{
			{"status", "--db", f.db, "--config", f.config}, {"--config", f.config, "status", "--db", f.db}}},
		{name: "history", code: exitOK, stdout: "swb_encounters", orders: [][]string{
			{"history", "--config", f.config, "--db", f.db, "swb_encounters"},
			{"history", "swb_encounters", "--db", f.db, "--config", f.config},
			{"history", "--source", "cbp-swb", "swb_encounters", "--config", f.config}}},
		{name: "export csv", code: exitOK, stdout: "metric,", orders: [][]string{
			{"export", "--format", "csv", "--table", "observations", "--db", f.db, "--config", f.config},
			{"--config", f.config, "export", "--db=" + f.db, "--table=observations", "--format=csv"}}},
		{name: "export json", code: exitOK, stdout: `"metrics"`, orders: [][]string{
			{"export", "--config", f.config}, {"--config", f.config, "export", "--format", "json"}}},
		{name: "backup", code: exitOK, stdout: "backup: ", outFile: filepath.Join(f.dir, "copy.db"), orders: [][]string{
			{"backup", "--config", f.config, filepath.Join(f.dir, "copy.db")},
			{"backup", filepath.Join(f.dir, "copy.db"), "--config", f.config}}},
		{name: "compact", code: exitOK, stdout: "compact: " + f.db, orders: [][]string{
			{"compact", "--config", f.config}, {"--config", f.config, "compact"}}},
		{name: "completion", code: exitOK, stdout: "__start_watcher", orders: [][]string{
			{"completion", "bash"}, {"--config", f.config, "completion", "bash"}, {"completion", "bash", "--config", f.config}}},
		{name: "version", code: exitOK, stdout: "watcher ", orders: [][]string{
			{"version"}, {"--version"}, {"version", "--config", f.config}}},
		{name: "help", code: exitOK, stdout: "watcher history METRIC", orders: [][]string{
			{"help", "history"}, {"help", "history", "--config", f.config}, {"--config", f.config, "help", "history"}}},
	} {
		for i, args := range tc.orders {
			t.Run(fmt.Sprintf("%s/%d", tc.name, i), func(t *testing.T) {
				if tc.outFile != "" {
					os.Remove(tc.outFile)
				}
				var code int
				var stdout, stderr string
				if len(args) > 0 && args[len(args)-1] == "-" {
					var out, errb bytes.Buffer
					code = run(args, strings.NewReader("More than 106,000 encounters were recorded."), &out, &errb)
					stdout, stderr = out.String(), errb.String()
				} else {
					code, stdout, stderr = runCLI(args...)
				}
				if code != tc.code {
					t.Fatalf("watcher %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, tc.code, stdout, stderr)
				}
				if !strings.Contains(stdout, tc.stdout) {
					t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout)
				}
				if !strings.Contains(stderr, tc.stderr) {
					t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
				}
				if tc.outFile != "" {
					if _, err := os.Stat(tc.outFile); err != nil {
						t.Errorf("%s not written: %v", tc.outFile, err)
					}
				}
			})
		}
	}
}

// TestUsageErrorsExit2 covers each kind of usage error: exit 2, the
// reason, a "did you mean" where one fits, and nothing read or written.
func TestUsageErrorsExit2(t *testing.T) {
	f := newCLIFixture(t)
	// A config whose database does not exist: a usage error must be
	// found before the command looks for it (which would exit 1).
	missing := filepath.Join(t.TempDir(), "missing")
	noDB := filepath.Join(f.dir, "nodb.yaml")
	write(t, noDB, strings.Replace(mustRead(t, f.config), f.db, filepath.Join(missing, "w.db"), 1))
	for _, tc := range []struct {
		name string
		args []string
		want []string // in stderr
	}{
		{"no command", nil, []string{"Usage:", "watcher COMMAND"}},
		{"unknown command", []string{"stauts"}, []string{`unknown command "stauts"`, "Did you mean this?", "status"}},
		{"unknown command far from any", []string{"frobnicate"}, []string{`unknown command "frobnicate"`, "watcher --help"}},
		{"unknown flag", []string{"extract", "a.txt", "--jsn"}, []string{"unknown flag: --jsn", "did you mean --json?", "watcher extract --help"}},
		{"go-style single-dash flag", []string{"status", "-config", f.config}, []string{"did you mean --config?"}},
		{"flag of another command", []string{"status", "--serve", "x"}, []string{"unknown flag: --serve"}},
		{"flag without its value", []string{"history", "swb_encounters", "--db"}, []string{"flag needs an argument: --db"}},
		{"history without METRIC", []string{"history", "--config", f.config}, []string{"wants METRIC, got 0 arguments"}},
		{"history with two metrics", []string{"history", "a", "b"}, []string{"wants METRIC, got 2 arguments"}},
		{"extract without PATH", []string{"extract", "--json"}, []string{"wants FILE|URL|-, got 0 arguments"}},
		{"backup without FILE", []string{"backup", "--config", f.config}, []string{"wants FILE, got 0 arguments"}},
		{"status with an argument", []string{"status", "extra"}, []string{`takes no arguments, got "extra"`}},
		{"metric typo", []string{"history", "--config", noDB, "swb_encounter"},
			[]string{`no metric "swb_encounter"; did you mean "swb_encounters"?`}},
		{"metric typo, flags after", []string{"history", "swb-encounters", "--config", noDB},
			[]string{`no metric "swb-encounters"; did you mean "swb_encounters"?`}},
		{"metric far from any", []string{"history", "--config", noDB, "deportations"},
			[]string{`no metric "deportations" in the config (metrics: swb_encounters, uc_no_nta)`}},
		{"check source typo", []string{"check", "cbp_swb", "--config", noDB},
			[]string{`no source "cbp_swb"; did you mean "cbp-swb"?`}},
		{"source typo", []string{"history", "swb_encounters", "--source", "cbp_swb", "--config", noDB},
			[]string{`no source "cbp_swb"; did you mean "cbp-swb"?`}},
		{"export unknown table with json", []string{"export", "--table", "foo", "--config", noDB},
			[]string{`invalid argument "foo" for "--table"`, "want observations or figures"}},
		{"export unknown table with csv", []string{"export", "--format", "csv", "--table", "foo", "--config", noDB},
			[]string{`invalid argument "foo" for "--table"`}},
		{"export table typo", []string{"export", "--format", "csv", "--table", "figure"},
			[]string{`did you mean "figures"?`}},
		{"export table with json", []string{"export", "--table", "figures", "--config", noDB},
			[]string{"--table applies to --format csv only"}},
		{"export unknown format", []string{"export", "--format", "xml", "--config", noDB},
			[]string{`invalid argument "xml" for "--format"`, "want json or csv"}},
		{"completion for an unknown shell", []string{"completion", "tcsh"}, []string{`"tcsh" is not one of bash, zsh, fish`}},
		{"help for an unknown command", []string{"help", "histroy"}, []string{`no command "histroy"; did you mean "history"?`}},
		{"bad config", []string{"validate", "--config", filepath.Join(f.dir, "absent.yaml")}, []string{"absent.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitUsage, stdout, stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
		})
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a usage error created %s (stat: %v)", missing, err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// userCommands are the commands a user may type, help included.
func userCommands(root *cobra.Command) []*cobra.Command {
	var cmds []*cobra.Command
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() || c.Name() == "help" {
			cmds = append(cmds, c)
		}
	}
	return cmds
}

// TestHelpForEveryCommand: `help CMD` and `CMD --help` print the same text,
// with the command's description, synopsis, flags and examples.
func TestHelpForEveryCommand(t *testing.T) {
	root := newRoot(nil, nil, nil)
	cmds := userCommands(root)
	for _, c := range cmds {
		t.Run(c.Name(), func(t *testing.T) {
			code, viaHelp, stderr := runCLI("help", c.Name())
			if code != exitOK || stderr != "" {
				t.Fatalf("help %s: exit %d, stderr %q", c.Name(), code, stderr)
			}
			code, viaFlag, stderr := runCLI(c.Name(), "--help")
			if code != exitOK || stderr != "" {
				t.Fatalf("%s --help: exit %d, stderr %q", c.Name(), code, stderr)
			}
			if viaHelp != viaFlag {
				t.Errorf("help %s and %s --help differ:\n%s\n---\n%s", c.Name(), c.Name(), viaHelp, viaFlag)
			}
			want := []string{"Usage:\n  " + synopsis(c) + "\n", c.Short, "--config FILE"}
			if c.Long != "" {
				want[1] = strings.TrimSpace(c.Long)
			}
			if c.Example != "" {
				want = append(want, "Examples:\n"+c.Example)
			}
			c.LocalFlags().VisitAll(func(f *pflag.Flag) { want = append(want, "--"+f.Name) })
			for _, w := range want {
				if !strings.Contains(viaHelp, w) {
					t.Errorf("help %s lacks %q:\n%s", c.Name(), w, viaHelp)
				}
			}
		})
	}
	code, out, _ := runCLI("help")
	if code != exitOK {
		t.Fatalf("help: exit %d", code)
	}
	for _, c := range cmds {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(c.Name()) + ` +` + regexp.QuoteMeta(c.Short) + `$`).MatchString(out) {
			t.Errorf("help does not list %s with %q:\n%s", c.Name(), c.Short, out)
		}
	}
}

// TestREADMECommandTable keeps the README's command table and the
// commands in step: one row per command, spelt as the command's synopsis.
func TestREADMECommandTable(t *testing.T) {
	readme := mustRead(t, "../../README.md")
	_, table, ok := strings.Cut(readme, "| command | what it does |\n|---|---|\n")
	if !ok {
		t.Fatal("README.md has no | command | what it does | table")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	row := regexp.MustCompile("^\\| `([^`]+)` \\| .+ \\|$")
	var rows []string
	for _, line := range strings.Split(table, "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("README table row not in the form | `watcher …` | … |: %q", line)
			continue
		}
		rows = append(rows, strings.ReplaceAll(m[1], `\|`, "|"))
	}
	var want []string
	for _, c := range userCommands(newRoot(nil, nil, nil)) {
		want = append(want, synopsis(c))
	}
	slices.Sort(rows)
	slices.Sort(want)
	if !slices.Equal(rows, want) {
		t.Errorf("README command table:\n  %s\ncommands:\n  %s", strings.Join(rows, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestCompletionFromConfig: the shells' completion requests list the
// config's metric ids for history and its source ids for --source, and
// each shell's script is written.
func TestCompletionFromConfig(t *testing.T) {
	f := newCLIFixture(t)
	for _, tc := range []struct {
		name    string
		args    []string
		want    []string
		notWant []string
	}{
		{"history METRIC", []string{"__complete", "history", "--config", f.config, ""},
			[]string{"swb_encounters\tSouthwest border encounters", "uc_no_nta\t"}, []string{"cbp-swb"}},
		{"history METRIC with --config after", []string{"__complete", "--config", f.config, "history", "swb"},
			[]string{"swb_encounters"}, nil},
		{"history after METRIC", []string{"__complete", "history", "swb_encounters", "--config", f.config, ""},
			nil, []string{"swb_encounters", "uc_no_nta", "cbp-swb"}},
		{"history --source ID", []string{"__complete", "history", "swb_encounters", "--config", f.config, "--source", ""},
			[]string{"cbp-swb\tCBP southwest border", "press-wire\tPress wire"}, []string{"uc_no_nta"}},
		{"config from the environment", []string{"__complete", "history", ""}, []string{"swb_encounters"}, nil},
		{"export --table", []string{"__complete", "export", "--table", ""}, []string{"observations", "figures"}, nil},
		{"completion SHELL", []string{"__complete", "completion", ""}, []string{"bash", "zsh", "fish"}, nil},
		{"help COMMAND", []string{"__complete", "help", ""}, []string{"history\t", "completion\t"}, []string{"man\t"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "config from the environment" {
				t.Setenv(configEnv, f.config)
			}
			code, out, stderr := runCLI(tc.args...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("completions lack %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("completions hold %q:\n%s", w, out)
				}
			}
		})
	}
	for shell, want := range map[string]string{"bash": "__start_watcher", "zsh": "#compdef watcher", "fish": "complete -c watcher"} {
		t.Run("script "+shell, func(t *testing.T) {
			code, out, stderr := runCLI("completion", shell)
			if code != exitOK || !strings.Contains(out, want) || !strings.Contains(out, "__complete") {
				t.Errorf("completion %s: exit %d, stderr %q, script lacks %q or __complete", shell, code, stderr, want)
			}
		})
	}
}

// TestConfigDefault: --config, else $WATCHER_CONFIG, else
// config/watcher.yaml in the working directory.
func TestConfigDefault(t *testing.T) {
	f := newCLIFixture(t)
	t.Setenv(configEnv, f.config)
	if code, out, stderr := runCLI("validate"); code != exitOK || !strings.Contains(out, f.config) {
		t.Errorf("validate with $%s: exit %d, stdout %q, stderr %q", configEnv, code, out, stderr)
	}
	other := filepath.Join(f.dir, "other.yaml")
	write(t, other, mustRead(t, f.config))
	if code, out, _ := runCLI("validate", "--config", other); code != exitOK || !strings.Contains(out, other) {
		t.Errorf("--config does not win over $%s: exit %d, stdout %q", configEnv, code, out)
	}
	t.Setenv(configEnv, "")
	t.Chdir(t.TempDir())
	if code, _, stderr := runCLI("validate"); code != exitUsage || !strings.Contains(stderr, defaultConfig) {
		t.Errorf("validate without a config: exit %d, stderr %q", code, stderr)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	known := []string{"swb_encounters", "uc_no_nta", "cbp-swb"}
	for _, tc := range []struct{ in, want string }{
		{"swb_encounter", "swb_encounters"},
		{"swb-encounters", "swb_encounters"},
		{"SWB_ENCOUNTERS", "swb_encounters"},
		{"uc_no_ntaa", "uc_no_nta"},
		{"cbp_swb", "cbp-swb"},
		{"cpb-swb", "cbp-swb"},
		{"deportations", ""},
		{"uc", ""},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := config.Suggest(tc.in, known); got != tc.want {
				t.Errorf("suggest(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestOnlySource(t *testing.T) {
	t.Parallel()
	st := web.Status{Metrics: []web.MetricStatus{{ID: "m", History: []store.Observation{
		{Source: "a", Value: 1}, {Source: "b", Value: 2}, {Source: "a", Value: 3},
	}}}}
	got := onlySource(st, "a")
	if h := got.Metrics[0].History; len(h) != 2 || h[0].Value != 1 || h[1].Value != 3 {
		t.Errorf("onlySource kept %+v", h)
	}
	if len(st.Metrics[0].History) != 3 {
		t.Error("onlySource changed the status it was given")
	}
}
