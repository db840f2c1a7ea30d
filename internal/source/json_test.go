package source

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/figwatch/watcher/internal/fetch"
)

// A JSON API in the shape agencies publish: rows of objects with string
// counts, one per month and population.
const ucAPI = `{"meta":{"updated":"2024-12-02"},"data":[
 {"month":"2024-10","population":"UAC","referrals":"9,120","in_care":6800},
 {"month":"2024-10","population":"UAC","referrals":"30","in_care":0},
 {"month":"2024-11","population":"UAC","referrals":"8,004","in_care":null},
 {"month":"2024-11","population":"Adults","referrals":"1","in_care":1}]}`

func TestJSONRecords(t *testing.T) {
	t.Parallel()
	code, err := CompileJQ(`.data[] | select(.population == "UAC") |
		{metric: "uc_referrals", value: .referrals, period: .month, label: .month},
		(select(.in_care != null) | {metric: "uc_in_care", value: .in_care, period: .month})`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := JSONRecords(context.Background(), code, []byte(ucAPI))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{Metric: "uc_in_care", Value: 6800, Period: "2024-10"},
		{Metric: "uc_referrals", Value: 9150, Period: "2024-10", Label: "2024-10"},
		{Metric: "uc_referrals", Value: 8004, Period: "2024-11", Label: "2024-11"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("records (-want +got):\n%s", d)
	}

	res, err := Documents(context.Background(), Env{}, Spec{ID: "orr", Kind: KindJSON, JQ: code, Labels: map[string]string{"uc_referrals": "Referrals"}},
		&fetch.Response{URL: "https://api.example.gov/uc", Status: 200, Body: []byte(ucAPI)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Docs) != 1 || !strings.Contains(res.Docs[0].Text, "Referrals | 2024-11 | 8004") || len(res.Docs[0].Records) != 3 {
		t.Errorf("document %+v", res.Docs)
	}
}

func TestJSONRecordsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr, body, want string
	}{
		{name: "not an object", expr: `.data[].month`, body: ucAPI, want: "want an object"},
		{name: "no metric", expr: `.data[] | {value: 1}`, body: ucAPI, want: `"metric"`},
		{name: "value not a number", expr: `.data[] | {metric: "m", value: .population}`, body: ucAPI, want: `"UAC" is not a number`},
		{name: "jq error", expr: `.data | keys[] | error("boom")`, body: ucAPI, want: "boom"},
		{name: "body not JSON", expr: `.`, body: `<html>Access Denied</html>`, want: "decode JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, err := CompileJQ(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			_, err = JSONRecords(context.Background(), code, []byte(tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := CompileJQ(`.data[`); err == nil {
		t.Error("a bad expression compiled")
	}
}
