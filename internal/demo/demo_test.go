package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"regexp"
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

func TestDemoSaysWhenTheMetricsMatchNothing(t *testing.T) {
	t.Parallel()
	swb := config.Metric{ID: "swb_encounters", Label: "Southwest border encounters", Any: []string{"encounters"}, Units: []string{"encounters"}}
	shipped := shippedMetrics(t)
	cases := []struct {
		name      string
		metrics   []config.Metric
		wantErr   string // "" = the replay runs
		wantNote  string // printed before the steps; "" = none
		unmatched []string
	}{
		{name: "none of the user's metrics match", metrics: []config.Metric{swb},
			wantErr:   "none of your metrics (swb_encounters) match the demo's story; the demo replays the DHS OIG unaccompanied-children story; run it without --config to see it",
			unmatched: []string{"swb_encounters"}},
		{name: "no metrics at all", wantErr: "the config has no metrics"},
		{name: "one of them matches", metrics: append([]config.Metric{swb}, shipped[0]),
			wantNote: "Note: swb_encounters matches no figure in this story, so it stays silent below.", unmatched: []string{"swb_encounters"}},
		{name: "the shipped config: one metric is not in this story", metrics: shipped,
			wantNote: "Note: hhs_lost_contact matches no figure in this story", unmatched: []string{"hhs_lost_contact"}},
		{name: "every metric matches", metrics: shipped[:1]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			unmatched, _ := Check(tc.metrics)
			if !cmp.Equal(unmatched, tc.unmatched) {
				t.Errorf("Check unmatched = %v, want %v", unmatched, tc.unmatched)
			}
			var out bytes.Buffer
			err := Run(context.Background(), Options{Metrics: tc.metrics, Out: &out, Dir: t.TempDir()})
			if tc.wantErr != "" {
				var nm *NoMatchError
				if !errors.As(err, &nm) || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("Run: %v, want a NoMatchError starting %q", err, tc.wantErr)
				}
				if out.Len() != 0 {
					t.Errorf("Run printed the replay anyway:\n%s", out.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(out.String(), "Note: "); got != (tc.wantNote != "") || !strings.Contains(out.String(), tc.wantNote) {
				t.Errorf("output note: want %q in:\n%s", tc.wantNote, out.String())
			}
		})
	}
}

// The replay's status page reads on one clock: the demo has been up for
// seconds, not the story's 218 days; the outbox says what each alert
// said; and /metrics counts an edited claim as updated, not sent again.
func TestReplayStatusPageAndMetrics(t *testing.T) {
	opts := Options{Metrics: shippedMetrics(t), Dir: t.TempDir()}
	r, err := replay(context.Background(), &opts)
	if r != nil {
		defer r.close()
	}
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	r.handler(opts).ServeHTTP(rec, httptest.NewRequest("GET", "http://localhost/", nil))
	body := rec.Body.String()
	up := regexp.MustCompile(`<dt>up</dt><dd><span title="since ([^"]*)">([^<]*)</span>`).FindStringSubmatch(body)
	if up == nil {
		t.Fatalf("page has no uptime:\n%s", body)
	}
	if !regexp.MustCompile(`^\d+s$|^\d+m \d+s$`).MatchString(up[2]) || !strings.HasPrefix(up[1], "26 Mar 2025 ") {
		t.Errorf("up %q since %q; want seconds or minutes, since the story's last day", up[2], up[1])
	}
	for _, want := range []string{
		`Children who failed to appear in immigration court: The Daily Ledger claims 30K, official figure is more than 32,000 (as of May 2024) (−2,000, −6.2%)</a>`,
		`<a href="http://demo.invalid/dhs-oig/OIG-25-21" rel="noopener noreferrer">Children not served a notice to appear: more than 291,000 (as of May 2024) → 233,000 (as of January 2025)`,
		// the metric card says what the current value is for
		`official, as of January 2025, reported`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}
	}

	families, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	count := func(name, kind string) float64 {
		for _, f := range families {
			if f.GetName() != name {
				continue
			}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "kind" && l.GetValue() == kind {
						return m.GetCounter().GetValue()
					}
				}
			}
		}
		return 0
	}
	queued, sent, updated := count("watcher_alerts_queued_total", "claim_mismatch"), count("watcher_alerts_sent_total", "claim_mismatch"), count("watcher_alerts_updated_total", "claim_mismatch")
	if sent != queued || updated != 1 {
		t.Errorf("claim_mismatch: queued %v, sent %v, updated %v; want sent = queued and 1 update (the edited 30K claim)", queued, sent, updated)
	}
}
