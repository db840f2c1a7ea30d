package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itchyny/gojq"
)

// KindJSON is a JSON API whose records a jq expression picks.
const KindJSON = "json"

// JQTimeout bounds one run of a source's jq expression: a recursive
// expression on a large body could otherwise run for ever.
const JQTimeout = 10 * time.Second

// CompileJQ compiles a JSON source's jq expression, at config load, so a
// mistake is reported with the config's line rather than at the first
// poll.
func CompileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("parse jq %q: %w", expr, err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, fmt.Errorf("compile jq %q: %w", expr, err)
	}
	return code, nil
}

// JSONRecords runs a compiled jq expression on a JSON body. Each value it
// yields must be an object {metric, value, period, label}: metric a
// string, value a number (or a string holding one, commas allowed),
// period and label strings (label optional; period may be a number, a
// year). Records of the same metric and period are summed.
func JSONRecords(ctx context.Context, code *gojq.Code, body []byte) ([]Record, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, JQTimeout)
	defer cancel()
	type key struct{ metric, period string }
	sums := map[key]*Record{}
	iter := code.RunWithContext(ctx, v)
	for i := 0; ; i++ {
		out, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := out.(error); ok {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				break
			}
			return nil, fmt.Errorf("jq: %w", err)
		}
		rec, err := jqRecord(out)
		if err != nil {
			return nil, fmt.Errorf("jq output %d: %w", i+1, err)
		}
		k := key{rec.Metric, rec.Period}
		if sums[k] == nil {
			sums[k] = &rec
			continue
		}
		sums[k].Value += rec.Value
	}
	out := make([]Record, 0, len(sums))
	for _, rec := range sums {
		out = append(out, *rec)
	}
	slices.SortFunc(out, func(a, b Record) int {
		return strings.Compare(a.Metric+"\x00"+a.Period, b.Metric+"\x00"+b.Period)
	})
	return out, nil
}

// jqRecord reads one output of the expression.
func jqRecord(out any) (Record, error) {
	m, ok := out.(map[string]any)
	if !ok {
		return Record{}, fmt.Errorf("want an object {metric, value, period, label}, got %T", out)
	}
	var rec Record
	if rec.Metric, ok = m["metric"].(string); !ok || rec.Metric == "" {
		return Record{}, errors.New(`"metric" is not a non-empty string`)
	}
	val, err := jqNumber(m["value"])
	if err != nil {
		return Record{}, fmt.Errorf("metric %s: value: %w", rec.Metric, err)
	}
	rec.Value = val
	switch p := m["period"].(type) {
	case string:
		rec.Period = p
	case nil:
	default:
		n, err := jqNumber(p)
		if err != nil {
			return Record{}, fmt.Errorf("metric %s: period: %w", rec.Metric, err)
		}
		rec.Period = strconv.FormatFloat(n, 'f', -1, 64)
	}
	if l, ok := m["label"].(string); ok {
		rec.Label = l
	}
	return rec, nil
}

func jqNumber(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, nil
	case json.Number:
		return x.Float64()
	case string:
		f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(x), ",", ""), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%q is not a number", x)
		}
		return f, nil
	}
	return 0, fmt.Errorf("%v (%T) is not a number", v, v)
}
