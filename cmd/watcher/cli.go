package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/figwatch/watcher/internal/buildinfo"
	"github.com/figwatch/watcher/internal/config"
)

// The command tree. Each command is defined once here, with its usage,
// help text, examples, positional arguments and flags, and cobra derives
// `watcher help CMD`, `CMD --help`, the shell completions and the man
// pages from that one definition. A command's flags land in a struct of
// its own that its cmdX function receives: a new flag is a field there and
// one line in the command's builder, e.g. for validate
//
//	c.Flags().BoolVar(&o.strict, "strict", false, "treat warnings as errors")
//
// and a row of the README's command table (TestREADMECommandTable says
// which).

const defaultConfig = "config/watcher.yaml"

// configEnv names the environment variable that replaces the default
// config path.
const configEnv = "WATCHER_CONFIG"

// globalFlags are the root's persistent flags, which every command takes.
type globalFlags struct {
	config string
}

// path is the config file a command reads: --config, else
// $WATCHER_CONFIG, else config/watcher.yaml. It is resolved when the
// command runs, not when the flag is defined, so that help and the man
// pages show the rule rather than the builder's environment.
func (g *globalFlags) path() string {
	if g.config != "" {
		return g.config
	}
	if env := os.Getenv(configEnv); env != "" {
		return env
	}
	return defaultConfig
}

// explicit tells whether the user named a config (flag or environment),
// for the commands that still work without one.
func (g *globalFlags) explicit() bool { return g.config != "" || os.Getenv(configEnv) != "" }

// exitError carries a command's exit status out of cobra's Execute; the
// command has already printed why.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exit is what a RunE returns for a cmdX function's exit code.
func exit(code int) error {
	if code == exitOK {
		return nil
	}
	return exitError{code}
}

// usageError is a mistake in how a command was called (an unknown id, a
// flag that does not apply): run prints it with a pointer to --help and
// exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// newRoot builds the command tree, writing to the given streams.
func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:   "watcher COMMAND",
		Short: "alerts a newsroom when an official figure changes or a story misstates one",
		Long: `watcher polls official sources and news feeds, extracts the figures a newsroom
tracks, stores them, and alerts Slack (or the console) when an official figure
changes or a story misstates one.

Start with "watcher demo": it replays a real story offline and prints each
alert as Slack would show it. The first real run is silent by design: it
records what the sources say today, and alerts on what changes after.

Exit status: 0 success; 1 a run that failed (a source failed in once, the
database is in use); 2 a usage or configuration error (an unknown command,
flag, metric or source, a wrong number of arguments, a bad config file).`,
		Version: buildinfo.Version(),
		// Args stays nil: cobra then answers an unknown command with its
		// "did you mean" (cobra.NoArgs would not).
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true, // the man pages carry no build date
		// A typo two edits away from a command is suggested ("stauts").
		SuggestionsMinimumDistance: 2,
		// `completion` is defined below with the shells build-deb.sh uses.
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		// `watcher` alone is a usage error, as before: usage on stderr, 2.
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprint(c.ErrOrStderr(), c.UsageString())
			return exitError{exitUsage}
		},
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("watcher {{.Version}}\n")
	root.PersistentFlags().StringVar(&g.config, "config", "", "read the config from `FILE` (default $"+configEnv+", else "+defaultConfig+")")
	root.SetFlagErrorFunc(flagError)
	root.SetUsageFunc(writeUsage)
	root.SetHelpFunc(writeHelp)
	root.AddCommand(
		runCommand(g), onceCommand(g), checkCommand(g), validateCommand(g), extractCommand(g),
		testAlertCommand(g), demoCommand(g),
		statusCommand(g), historyCommand(g), correctionsCommand(g), exportCommand(g), backupCommand(g), compactCommand(g),
		versionCommand(), completionCommand(root),
	)
	// `man` exists only in the packaging build (man.go): the daemon does
	// not carry the man page generator.
	if man := manCommand(root); man != nil {
		root.AddCommand(man)
	}
	root.SetHelpCommand(helpCommand(root))
	// Cobra adds the help command, and each command's --help, when it
	// executes. Added now, `help CMD` and `CMD --help` print the same
	// flags, and the README test and the man pages see the whole tree.
	root.InitDefaultHelpCmd()
	root.InitDefaultVersionFlag()
	for _, c := range root.Commands() {
		c.InitDefaultHelpFlag()
	}
	root.InitDefaultHelpFlag()
	return root
}

func runCommand(g *globalFlags) *cobra.Command {
	var o runFlags
	c := &cobra.Command{
		Use:   "run",
		Short: "run the daemon until SIGINT/SIGTERM",
		Long: `Polls each source on its schedule, stores what it finds and delivers the
alerts, until SIGINT or SIGTERM; in-flight polls get 30 seconds to finish,
then queued alerts a last delivery pass. SIGHUP reloads the config (a bad
one is refused and the old one kept).

With http.listen set, the listener is bound before the daemon tells systemd
it is ready: a taken port fails the start.`,
		Example: "  watcher run --config /etc/watcher/watcher.yaml",
		Args:    noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.config = g.path()
			return exit(cmdRun(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	return c
}

func onceCommand(g *globalFlags) *cobra.Command {
	var o onceFlags
	c := &cobra.Command{
		Use:   "once",
		Short: "poll every source once, deliver the alerts, exit",
		Long: `Polls every enabled source once, delivers the alerts, and exits: 0 when every
source was polled, 1 when any failed. For cron jobs and for trying a config.`,
		Example: "  watcher once --config my.yaml",
		Args:    noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.config = g.path()
			return exit(cmdOnce(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	return c
}

func checkCommand(g *globalFlags) *cobra.Command {
	var o checkFlags
	c := &cobra.Command{
		Use:   "check SOURCE_ID",
		Short: "a dry run of one source: its documents, figures and would-be alerts",
		Long: `Polls one configured source now, as the daemon would (same fetcher, egress
policy and allow_private, same reading of its kind and selector, same
metric rules, same diff against the stored state), and prints its
documents (id, title, outlet, date), every figure with its qualifier,
metric and sentence (a table cell's sentence is its frame: headers, row,
value), and the alerts a poll would raise with their headline and
channel. Nothing is written: no baseline, no alert, no fetch state.

The state compared against is the database read-only; while the daemon
holds it, a hot backup through its listener (as status reads it); with no
database, or no way to ask the daemon, an empty state, which it says.
On a source never polled it shows the alerts a first poll swallows into
its baseline (alert_on_first_poll: false).

--file reads a saved copy of the source's URL instead of fetching it (told
HTML, PDF or text by its content); the documents it leads to (a feed's
articles, a listing's reports) are still fetched. --json prints one
object. Exit status 1 when the source cannot be read, or when a real poll
would refuse what it read (a page that lost all its figures).`,
		Example: `  watcher check cbp-swb --config my.yaml
  watcher check dhs-oig-ice-reports --file saved-listing.html
  watcher check press-wire --json | jq '.alerts'`,
		Args: positionals("SOURCE_ID"),
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 { // SOURCE_ID is given
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completeIDs(g, sourceIDs)(c, args, toComplete)
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.config = g.path()
			return exit(cmdCheck(c.Context(), o, args[0], c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	f := c.Flags()
	f.StringVar(&o.file, "file", "", "read the source's body from `FIXTURE` (a saved page, PDF, feed, CSV or JSON) instead of fetching its URL")
	f.BoolVar(&o.json, "json", false, "print the result as one JSON object")
	return c
}

func validateCommand(g *globalFlags) *cobra.Command {
	var o validateFlags
	c := &cobra.Command{
		Use:   "validate",
		Short: "check the config; print ok and a summary, or every error",
		Long: `Checks the config file: prints "ok" and a one-line summary, or every error
with its file, line and key (and a "did you mean" for a misspelt key), and
exits 2. Risky settings (a listener open to the network, a schedule that
hammers a site, the placeholder contact address...) are printed as
warnings on stderr; with --strict they fail the check too. It always parses
the file in full, where the other commands read a large config from the
config cache when nothing it depends on has changed.`,
		Example: "  watcher validate --config my.yaml\n  watcher validate --strict --config my.yaml   # in a newsroom's CI",
		Args:    noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.config = g.path()
			return exit(cmdValidate(o, c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	c.Flags().BoolVar(&o.strict, "strict", false, "treat warnings as errors (exit 2)")
	c.Flags().StringVar(&o.manifest, "manifest", "", "Slack app manifest `FILE` to check against the config (default with an app token: slack-app-manifest.yaml next to the config)")
	return c
}

func extractCommand(g *globalFlags) *cobra.Command {
	var o extractFlags
	c := &cobra.Command{
		Use:   "extract FILE|URL|-",
		Short: "print the figures in a file, a URL or stdin",
		Long: `Prints the figures in a text, HTML or PDF file, a URL, or stdin (-): number,
qualifier, metric, and the sentence with the number marked. HTML and PDF are
told by their content, not their name.

--json prints one object per line (value, unit, qualifier, qualifier_text,
metric, text, start, end, high for ranges, sentence, sentence_start); offsets
are bytes into the file (into pdftotext's text for a PDF).

Without --config and without the default config file, figures are printed
without metrics.`,
		Example: `  watcher extract story.txt
  watcher extract report.pdf --json
  curl -s https://example.org/story | watcher extract - --all`,
		Args: positionals("FILE|URL|-"),
		RunE: func(c *cobra.Command, args []string) error {
			o.config, o.explicitConfig = g.path(), g.explicit()
			return exit(cmdExtract(o, args[0], c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	f := c.Flags()
	f.BoolVar(&o.json, "json", false, "print one JSON object per figure")
	f.BoolVar(&o.all, "all", false, "also print the numbers that are not figures (years, dates, ...) with their kind")
	f.BoolVar(&o.explain, "explain", false, "say, per figure, its frame, every metric's matched and vetoing terms, and why the winner won")
	return c
}

func testAlertCommand(g *globalFlags) *cobra.Command {
	var o testAlertFlags
	c := &cobra.Command{
		Use:   "test-alert",
		Short: "send one sample of each alert kind to the configured destination",
		Long: `Sends one sample of each alert kind to the configured destination (Slack when
a token or webhook is set, else the console), routed as real alerts are, to
check the layout and the channels before going live. The samples are about
the config's own metrics and sources (a channel: on a metric or source gets
its samples); their figures are made up and say so. A config without
metrics gets the built-in samples, and is told.`,
		Example: "  SLACK_BOT_TOKEN=xoxb-... watcher test-alert --config my.yaml",
		Args:    noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.config = g.path()
			return exit(cmdTestAlert(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	return c
}

func demoCommand(g *globalFlags) *cobra.Command {
	var o demoFlags
	c := &cobra.Command{
		Use:   "demo",
		Short: "replay the 2024-2025 story offline and print the alerts",
		Long: `Replays the DHS Inspector General's figures on unaccompanied children,
August 2024 to March 2025, offline through the real pipeline with the
config's metrics, and prints each alert as Slack would show it. No network,
no Slack, a temporary database. When none of the config's metrics matches a
figure of the story it says so and exits 1.`,
		Example: `  watcher demo
  watcher demo --serve 127.0.0.1:9464`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.config = g.path()
			return exit(cmdDemo(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	c.Flags().StringVar(&o.serve, "serve", "", "after the replay, serve its status page at `ADDR` (e.g. 127.0.0.1:9464) until Ctrl-C")
	return c
}

// dbFlag is the --db flag of the read-only commands.
func dbFlag(c *cobra.Command, p *string) {
	c.Flags().StringVar(p, "db", "", "read this database `FILE` (a backup) instead of storage.path")
}

func statusCommand(g *globalFlags) *cobra.Command {
	var o inspectFlags
	c := &cobra.Command{
		Use:   "status",
		Short: "sources and their health, metrics, outbox, last errors",
		Long: `Prints each source with its health, last poll and next run; each metric's
current official value; the outbox; the last errors. While the daemon runs
it reads a hot backup through the daemon's listener; --db reads a backup.`,
		Example: `  watcher status --config /etc/watcher/watcher.yaml
  watcher status --db backup.db`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.config = g.path()
			return exit(cmdStatus(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	dbFlag(c, &o.db)
	return c
}

func correctionsCommand(g *globalFlags) *cobra.Command {
	var o inspectFlags
	c := &cobra.Command{
		Use:   "corrections",
		Short: "figures corrected from Slack (Wrong metric) and the none: terms that would have avoided each",
		Long: `Lists each correction made from Slack with the Wrong metric button: the
figure, its sentence, the metric it was given and the one it was corrected
to, who corrected it and when, and the none: term that, added to the old
metric's rule, would have kept the figure out (checked with the extractor).`,
		Example: `  watcher corrections --config /etc/watcher/watcher.yaml`,
		Args:    noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.config = g.path()
			return exit(cmdCorrections(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	dbFlag(c, &o.db)
	return c
}

func historyCommand(g *globalFlags) *cobra.Command {
	var o historyFlags
	c := &cobra.Command{
		Use:   "history METRIC",
		Short: "a metric's observations with source, date, wording, quote",
		Long: `Prints a metric's observations, oldest first: date, official or press,
wording, source, document, quote. METRIC is a metric id of the config;
--source keeps one source's observations.`,
		Example: `  watcher history uc_no_nta
  watcher history uc_no_nta --db backup.db --source hhs-oig-uac`,
		Args: positionals("METRIC"),
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 { // METRIC is given
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return completeIDs(g, metricIDs)(c, args, toComplete)
		},
		RunE: func(c *cobra.Command, args []string) error {
			o.config = g.path()
			return exit(cmdHistory(c.Context(), o, args[0], c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	dbFlag(c, &o.db)
	c.Flags().StringVar(&o.source, "source", "", "only the observations from source `ID`")
	_ = c.RegisterFlagCompletionFunc("source", completeIDs(g, sourceIDs))
	return c
}

func exportCommand(g *globalFlags) *cobra.Command {
	o := exportFlags{format: newChoice("json", "csv"), table: newChoice("observations", "figures")}
	c := &cobra.Command{
		Use:   "export",
		Short: "the metric history, documents and figures, for a spreadsheet or a notebook",
		Long: `Writes the database to stdout: with --format json (the default) one document
with the metric history and every document with its figures; with --format
csv one table, chosen by --table: observations (the metric history) or
figures (every figure of every document).`,
		Example: `  watcher export > watcher.json
  watcher export --format csv --table figures > figures.csv`,
		Args: noArgs,
		PreRunE: func(c *cobra.Command, _ []string) error {
			// JSON holds every table: a --table there would be ignored.
			if c.Flags().Changed("table") && o.format.String() != "csv" {
				return usagef("--table applies to --format csv only (json holds every table)")
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error {
			o.config = g.path()
			return exit(cmdExport(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	dbFlag(c, &o.db)
	choiceFlag(c, o.format, "format", "output format")
	choiceFlag(c, o.table, "table", "with csv, the table: observations (metric history) or figures (every figure of every document)")
	return c
}

func backupCommand(g *globalFlags) *cobra.Command {
	var o backupFlags
	c := &cobra.Command{
		Use:   "backup FILE",
		Short: "a hot, consistent copy of the database",
		Long: `Writes a hot, consistent copy of the database to FILE: through the daemon's
listener when it runs (with the listener token), else from the file.`,
		Example: "  watcher backup /var/backups/watcher-$(date +%F).db --config /etc/watcher/watcher.yaml",
		Args:    positionals("FILE"),
		RunE: func(c *cobra.Command, args []string) error {
			o.config = g.path()
			return exit(cmdBackup(c.Context(), o, args[0], c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	return c
}

func compactCommand(g *globalFlags) *cobra.Command {
	var o compactFlags
	c := &cobra.Command{
		Use:   "compact",
		Short: "rewrite the database without its free pages (daemon stopped)",
		Long: `Rewrites the database without its free pages; bbolt files never shrink by
themselves. Stop the daemon first. A missing database is an error: compact
never creates one.`,
		Example: "  systemctl stop watcher && watcher compact --config /etc/watcher/watcher.yaml",
		Args:    noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			o.config = g.path()
			return exit(cmdCompact(o, c.OutOrStdout(), c.ErrOrStderr()))
		},
	}
	return c
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		Args:  noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintln(c.OutOrStdout(), "watcher", buildinfo.Version())
			return nil
		},
	}
}

func completionCommand(root *cobra.Command) *cobra.Command {
	// The shells in the spelling packaging/build-deb.sh uses.
	shells := []string{"bash", "zsh", "fish"}
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "print the shell completion script",
		Long: `Prints the completion script for bash, zsh or fish. Commands and flags are
completed, and so are the metric ids of history and the source ids of
--source, read from the config that --config names on the command line.`,
		Example: `  watcher completion bash > /etc/bash_completion.d/watcher
  watcher completion zsh > "${fpath[1]}/_watcher"
  watcher completion fish > ~/.config/fish/completions/watcher.fish`,
		Args:      cobra.MatchAll(positionals("bash|zsh|fish"), oneOf(shells)),
		ValidArgs: shells,
		RunE: func(c *cobra.Command, args []string) error {
			out := c.OutOrStdout()
			var err error
			switch args[0] {
			case "bash":
				err = root.GenBashCompletionV2(out, true)
			case "zsh":
				err = root.GenZshCompletion(out)
			case "fish":
				err = root.GenFishCompletion(out, true)
			}
			if err != nil {
				fmt.Fprintf(c.ErrOrStderr(), "watcher completion %s: %v\n", args[0], err)
				return exitError{exitFailure}
			}
			return nil
		},
	}
}

func helpCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [COMMAND]",
		Short: "help about a command",
		Long:  `Prints the help of a command: what it does, its usage, flags and examples.`,
		Args:  cobra.MaximumNArgs(1),
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []cobra.Completion
			for _, c := range root.Commands() {
				if c.IsAvailableCommand() {
					names = append(names, cobra.CompletionWithDesc(c.Name(), c.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(c *cobra.Command, args []string) error {
			target := root
			if len(args) == 1 {
				found, rest, err := root.Find(args)
				if err != nil || found == root || len(rest) > 0 {
					return usagef("no command %q%s", args[0], didYouMean(args[0], commandNames(root)))
				}
				target = found
			}
			target.SetOut(c.OutOrStdout())
			return target.Help()
		},
	}
}

// commandNames are the commands a user may type.
func commandNames(root *cobra.Command) []string {
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return names
}

// noArgs refuses positional arguments, naming the first one.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("takes no arguments, got %q", args[0])
	}
	return nil
}

// positionals wants exactly the named positional arguments.
func positionals(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != len(names) {
			return usagef("wants %s, got %d argument%s", strings.Join(names, " "), len(args), plural(len(args)))
		}
		return nil
	}
}

// oneOf wants every positional argument to be one of valid.
func oneOf(valid []string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		for _, a := range args {
			if !contains(valid, a) {
				return usagef("%q is not one of %s%s", a, strings.Join(valid, ", "), didYouMean(a, valid))
			}
		}
		return nil
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

// flagError makes pflag's errors usage errors, with a "did you mean" for
// a misspelt flag and for a Go-style single-dash long flag (-config).
func flagError(c *cobra.Command, err error) error {
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		name := ne.GetSpecifiedName()
		if sh := ne.GetSpecifiedShortnames(); sh != "" {
			name = sh
		}
		var flags []string
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				flags = append(flags, f.Name)
			}
		})
		if s := config.Suggest(name, flags); s != "" {
			return usageError{fmt.Errorf("%w; did you mean --%s?", err, s)}
		}
	}
	return usageError{err}
}

// choice is a flag value limited to a list, checked when it is parsed so
// that a wrong value is a usage error before anything runs.
type choice struct {
	value string
	valid []string
}

// newChoice is a choice defaulting to its first valid value.
func newChoice(valid ...string) *choice { return &choice{value: valid[0], valid: valid} }

func (c *choice) String() string { return c.value }
func (c *choice) Type() string   { return strings.Join(c.valid, "|") }

func (c *choice) Set(s string) error {
	if !contains(c.valid, s) {
		return fmt.Errorf("want %s%s", strings.Join(c.valid, " or "), didYouMean(s, c.valid))
	}
	c.value = s
	return nil
}

// choiceFlag defines a flag taking one of ch's values, completed from them.
func choiceFlag(c *cobra.Command, ch *choice, name, usage string) {
	c.Flags().Var(ch, name, usage)
	_ = c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(ch.valid, cobra.ShellCompDirectiveNoFileComp))
}

// writeHelp prints a command's description, then its usage.
func writeHelp(c *cobra.Command, _ []string) {
	text := c.Long
	if text == "" {
		text = c.Short
	}
	fmt.Fprintf(c.OutOrStdout(), "%s\n\n%s", strings.TrimSpace(text), c.UsageString())
}

// writeUsage prints a command's synopsis (the line the README's command
// table shows), its commands or flags, and its examples.
func writeUsage(c *cobra.Command) error {
	var b strings.Builder
	if c.HasParent() {
		fmt.Fprintf(&b, "Usage:\n  %s\n", synopsis(c))
	} else {
		fmt.Fprintf(&b, "Usage:\n  %s\n", c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\nCommands:\n")
		for _, sub := range c.Commands() {
			// help is left out of IsAvailableCommand, not of the list.
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(&b, "  %-11s %s\n", sub.Name(), sub.Short)
			}
		}
	}
	if c.HasAvailableLocalFlags() {
		fmt.Fprintf(&b, "\nFlags:\n%s", c.LocalFlags().FlagUsages())
	}
	if c.HasAvailableInheritedFlags() {
		fmt.Fprintf(&b, "\nGlobal flags:\n%s", c.InheritedFlags().FlagUsages())
	}
	if c.Example != "" {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", c.Example)
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\nRun '%s help COMMAND' for a command's flags and examples.\n", c.CommandPath())
	}
	_, err := io.WriteString(c.OutOrStderr(), b.String())
	return err
}

// synopsis is a command's usage in one line: its path, its positional
// arguments, then each of its own flags, as the README's command table
// writes it (watcher history METRIC [--db FILE] [--source ID]).
func synopsis(c *cobra.Command) string {
	s := c.CommandPath()
	if _, args, ok := strings.Cut(c.Use, " "); ok {
		s += " " + args
	}
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Name == "help" {
			return
		}
		if name, _ := pflag.UnquoteUsage(f); name != "" {
			s += fmt.Sprintf(" [--%s %s]", f.Name, name)
		} else {
			s += fmt.Sprintf(" [--%s]", f.Name)
		}
	})
	return s
}
