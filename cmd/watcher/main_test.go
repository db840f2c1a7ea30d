package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/diff"
	"github.com/figwatch/watcher/internal/fakeslack"
	"github.com/figwatch/watcher/internal/notify"
	"github.com/figwatch/watcher/internal/notify/slack"
)

// These tests run the command as a user does, through run(), so that the
// README's commands keep working on the shipped config.

func TestValidateShippedConfig(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	var out, errb bytes.Buffer
	code := run([]string{"validate", "--config", "../../config/watcher.yaml"}, nil, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
	if got := out.String(); !strings.HasPrefix(got, "ok: ") || !strings.Contains(got, "6 metrics") || !strings.Contains(got, "console") {
		t.Errorf("stdout = %q, want ok with the summary", got)
	}
}

func TestValidateReportsEveryError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(path, []byte("sources:\n  - id: a\n    url: notaurl\n    shedule: \"* *\"\n"), 0o600)
	var out, errb bytes.Buffer
	if code := run([]string{"validate", "--config", path}, nil, &out, &errb); code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	for _, want := range []string{path + ":3", path + ":4", `"shedule"`} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
}

func TestExtractJSONFromStdin(t *testing.T) {
	in := "The inspector general found that more than 291,000 children were never served a notice to appear.\n"
	var out, errb bytes.Buffer
	code := run([]string{"extract", "--json", "--config", "../../config/watcher.yaml", "-"}, strings.NewReader(in), &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("got %d figures, want 1:\n%s", len(lines), out.String())
	}
	var f struct {
		Value      float64
		Unit       string
		Qualifier  string
		Metric     string
		Text       string
		Start, End int
	}
	if err := json.Unmarshal([]byte(lines[0]), &f); err != nil {
		t.Fatal(err)
	}
	if f.Value != 291000 || f.Qualifier != "over" || f.Metric != "uc_no_nta" || in[f.Start:f.End] != f.Text {
		t.Errorf("figure = %+v", f)
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"frobnicate"}, nil, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), `unknown command "frobnicate"`) {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// An HTML file is read as a `kind: page` poll reads it (the comparison
// with a real poll is internal/daemon's TestExtractMatchesPagePoll): the
// script's and the menu's numbers are not figures.
func TestExtractHTMLReadsThePageAsAPollDoes(t *testing.T) {
	page := "<html><head><title>x</title><script>var id = 448000;</script></head><body>" +
		"<nav><a href=/1>1</a> <a href=/2>2</a> <a href=/3>3</a> Page 4 of 12</nav>" +
		"<article><p>More than <b>32,000</b> children failed&nbsp;to appear in court, the inspector general found in a " +
		"management alert that also described how the agency tracks the children it releases to sponsors.</p>" +
		"<p>The agency said it had begun to review the cases, and that it would report on its progress to the " +
		"inspector general within ninety days of the alert, as the office had asked it to do.</p></article></body></html>"
	path := filepath.Join(t.TempDir(), "story.html")
	os.WriteFile(path, []byte(page), 0o600)
	var out, errb bytes.Buffer
	if code := run([]string{"extract", "--json", "--config", "../../config/watcher.yaml", path}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one figure (the script's and the menu's numbers are not figures):\n%s", out.String())
	}
	var f struct {
		Value    float64
		Text     string
		Sentence string
	}
	json.Unmarshal([]byte(lines[0]), &f)
	if f.Value != 32000 || f.Text != "32,000" || !strings.Contains(f.Sentence, "children failed to appear") {
		t.Errorf("figure %+v, want 32,000 in its sentence", f)
	}
}

func TestTestAlertOnTheConsole(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	var out, errb bytes.Buffer
	if code := run([]string{"test-alert", "--config", "../../config/watcher.yaml"}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, kind := range []string{"metric_new", "metric_changed", "document_revised", "new_report", "claim_mismatch", "source_failing", "source_recovered"} {
		if !strings.Contains(out.String(), kind) {
			t.Errorf("console output lacks a %s sample", kind)
		}
	}
}

func TestValidatePrintsWarningsAndStrictFailsOnThem(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	path := filepath.Join(t.TempDir(), "warn.yaml")
	if err := os.WriteFile(path, []byte("sources:\n  - id: a\n    url: https://example.org/a.xml\n    schedule: \"@every 1m\"\nmetrics:\n  - {id: m, any: [x]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	want := "warning: " + path + ":4: sources[0].schedule: "
	var out, errb bytes.Buffer
	if code := run([]string{"validate", "--config", path}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d, want %d (warnings alone pass); stderr:\n%s", code, exitOK, errb.String())
	}
	if !strings.HasPrefix(errb.String(), want) || !strings.HasPrefix(out.String(), "ok: ") {
		t.Errorf("stdout %q, stderr %q; want ok and a warning starting %q", out.String(), errb.String(), want)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"validate", "--strict", "--config", path}, nil, &out, &errb); code != exitUsage {
		t.Fatalf("--strict: exit %d, want %d", code, exitUsage)
	}
	if !strings.HasPrefix(errb.String(), want) || out.Len() != 0 {
		t.Errorf("--strict: stdout %q, stderr %q", out.String(), errb.String())
	}
}

// test-alert tells the config's own story, routed as real alerts are: the
// channel set on the user's metric receives that metric's samples.
func TestTestAlertRoutesTheConfigsOwnMetrics(t *testing.T) {
	fake := fakeslack.New(t)
	t.Setenv("SLACK_BOT_TOKEN", "xoxb-test")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	path := filepath.Join(t.TempDir(), "mine.yaml")
	cfg := "slack:\n  channel: \"#figures\"\n  api_url: " + fake.URL() + "\n" +
		"sources:\n  - {id: cbp-swb, name: CBP encounters, url: \"https://www.cbp.gov/swb\", authority: official}\n" +
		"  - {id: border-wire, url: \"https://border.example.net/feed.xml\"}\n" +
		"metrics:\n  - {id: swb_encounters, label: Southwest border encounters, any: [encounters], units: [encounters], channel: \"#border\"}\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"test-alert", "--config", path}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "built from the metrics and sources of "+path) {
		t.Errorf("stderr does not say where the samples come from:\n%s", errb.String())
	}
	channels := map[string]int{}
	for _, p := range fake.Posts() {
		channels[p.Channel]++
		if strings.Contains(p.Text, "448,000") {
			t.Errorf("a sample tells the built-in story: %q", p.Text)
		}
	}
	// metric_new, metric_changed, period_new and claim_mismatch are about
	// the metric.
	if channels["#border"] != 4 || channels["#figures"] != 4 {
		t.Errorf("posts per channel = %v, want 4 in #border (the metric's channel) and 4 in #figures", channels)
	}
}

func TestTestAlertWithoutMetricsSaysItSendsTheBuiltInSamples(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_WEBHOOK_URL", "")
	path := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(path, []byte("sources:\n  - {id: a, url: \"https://example.org/a.xml\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"test-alert", "--config", path}, nil, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(errb.String(), path+" has no metrics: sending the built-in samples") || !strings.Contains(out.String(), "448,000") {
		t.Errorf("stderr %q; stdout has the built-in samples: %v", errb.String(), strings.Contains(out.String(), "448,000"))
	}
}

func TestDemoWithMetricsOutsideTheStorySaysSo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(path, []byte("sources:\n  - {id: a, url: \"https://example.org/a.xml\"}\nmetrics:\n  - {id: swb_encounters, any: [encounters]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"demo", "--config", path}, nil, &out, &errb); code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitFailure, errb.String())
	}
	want := "watcher demo: none of your metrics (swb_encounters) match the demo's story; the demo replays the DHS OIG unaccompanied-children story; run it without --config to see it\n"
	if errb.String() != want || out.Len() != 0 {
		t.Errorf("stderr %q, stdout %q; want only %q", errb.String(), out.String(), want)
	}
}

// The Slack app's buttons come with `watcher run`, which answers them
// when an app token is set, and with no other command: a button nobody
// answers is worse than none.
func TestAlertButtonsOnlyWhereTheAppRuns(t *testing.T) {
	tests := []struct {
		name     string
		appToken string
		app      appControls
		want     bool
	}{
		{name: "run with an app token", appToken: "xapp-1-test", app: withApp, want: true},
		{name: "run without one", app: withApp},
		{name: "once with an app token", appToken: "xapp-1-test", app: withoutApp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeslack.New(t)
			t.Setenv("SLACK_BOT_TOKEN", "xoxb-test")
			t.Setenv("SLACK_APP_TOKEN", tc.appToken)
			t.Setenv("SLACK_WEBHOOK_URL", "")
			path := filepath.Join(t.TempDir(), "w.yaml")
			cfgText := "slack:\n  channel: \"#figures\"\n  api_url: " + fake.URL() + "\n" +
				"sources:\n  - {id: cbp, url: \"https://www.cbp.gov/swb\", authority: official}\n" +
				"metrics:\n  - {id: swb_encounters, label: Southwest border encounters, any: [encounters]}\n"
			if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			secrets, err := cfg.Secrets(os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			n, err := newNotifier(cfg, secrets, io.Discard, slog.New(slog.DiscardHandler), tc.app)
			if err != nil {
				t.Fatal(err)
			}
			ev := diff.Event{Kind: diff.MetricChanged, Metric: "swb_encounters", MetricLabel: "Southwest border encounters", Source: "cbp"}
			if _, err := n.Send(t.Context(), notify.Alert{ID: 7, Event: ev}); err != nil {
				t.Fatal(err)
			}
			posts := fake.Posts()
			if len(posts) != 1 {
				t.Fatalf("%d posts, want 1", len(posts))
			}
			if got := strings.Contains(posts[0].Blocks, slack.ActionAck); got != tc.want {
				t.Errorf("buttons in the alert: %v, want %v\n%s", got, tc.want, posts[0].Blocks)
			}
		})
	}
}
