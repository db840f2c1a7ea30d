package demo

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/figwatch/watcher/internal/config"
	"github.com/figwatch/watcher/internal/fakeslack"
	"github.com/figwatch/watcher/internal/notify/slack"
)

func shippedMetrics(t *testing.T) []config.Metric {
	t.Helper()
	cfg, err := config.Load("../../config/watcher.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Metrics
}

func TestScenarioInSlack(t *testing.T) {
	fs := fakeslack.New(t)
	n, err := slack.New(slack.Options{Token: "xoxb-demo", APIURL: fs.URL(), Channel: "#figures", PerChannel: rate.Inf})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Run(context.Background(), Options{Metrics: shippedMetrics(t), Out: &out, Notifier: n, Dir: t.TempDir()}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	var got []string
	for _, p := range fs.Posts() {
		line := firstLine(p.Text)
		if p.ThreadTS != "" {
			line = "  ↳ " + line
			if p.Broadcast {
				line += " [also sent to channel]"
			}
		}
		if p.Updates > 0 {
			line += fmt.Sprintf(" [updated %d×]", p.Updates)
		}
		got = append(got, line)
	}
	want := []string{
		"Children transferred from DHS to HHS: more than 448,000 (October 2018 – September 2023) (new metric)",
		"Children not served a notice to appear: more than 291,000 (as of May 2024) (new metric)",
		"Children who failed to appear in immigration court: more than 32,000 (as of May 2024) (new metric)",
		"New report from DHS Office of Inspector General: ICE Cannot Monitor All Unaccompanied Migrant Children Released from DHS and HHS Custody (OIG-24-46) (3 tracked figures)",
		// "30K" is outside the 5% tolerance; "about 30,000" two days later
		// is the same claim: the message is edited, not repeated.
		"  ↳ Children who failed to appear in immigration court: The Daily Ledger claims 30K, official figure is more than 32,000 (as of May 2024) (−2,000, −6.2%) [updated 1×]",
		// "Nearly 300,000" is within tolerance: no message.
		"Children unaccounted for, lost or missing: Capital Tabloid claims 320,000, a sum of official figures",
		"  ↳ Children not served a notice to appear: more than 291,000 (as of May 2024) → 233,000 (as of January 2025) (−58,000, −19.9%) [also sent to channel]",
		"  ↳ Children who failed to appear in immigration court: more than 32,000 (as of May 2024) → more than 43,000 (as of October 2024) (+11,000, +34.4%) [also sent to channel]",
		"Release records with missing or undeliverable addresses: more than 31,000 (as of October 2024) (new metric)",
		"New report from DHS Office of Inspector General: ICE Cannot Effectively Monitor the Location and Status of All Unaccompanied Alien Children After Federal Custody (OIG-25-21) (3 tracked figures)",
		"  ↳ Children not served a notice to appear: The Daily Ledger claims more than 291,000 (2024), official figure is 233,000 (as of January 2025) (+58,000, +24.9%); matches the as of May 2024 figure (OIG-24-46), since revised",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	// Follow-ups about a metric are threaded under its first message.
	posts := fs.Posts()
	anchors := map[string]string{"notice to appear": posts[1].TS, "failed to appear": posts[2].TS}
	for _, p := range posts[4:] {
		for key, ts := range anchors {
			if p.ThreadTS != "" && strings.Contains(firstLine(p.Text), key) && p.ThreadTS != ts {
				t.Errorf("%q is in thread %s, want %s", firstLine(p.Text), p.ThreadTS, ts)
			}
		}
	}
	if !strings.Contains(posts[4].Blocks, "Wire service") {
		t.Errorf("the edited 30K claim does not list the second outlet:\n%s", posts[4].Blocks)
	}
	if !strings.Contains(posts[5].Text+posts[5].Blocks, "equals 320,000") && !strings.Contains(posts[5].Text+posts[5].Blocks, "a sum no official source states") {
		t.Errorf("the 320,000 claim does not explain the sum:\n%s", posts[5].Text)
	}
}

func TestDemoPrintsEveryStep(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), Options{Metrics: shippedMetrics(t), Out: &out, Dir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	for _, step := range Scenario() {
		if !strings.Contains(out.String(), step.Say) {
			t.Errorf("output lacks step %q", step.Say)
		}
	}
	for _, want := range []string{"291,000 (as of May 2024) → 233,000 (as of January 2025)", "matches the as of May 2024 figure (OIG-24-46)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("console output lacks %q", want)
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
